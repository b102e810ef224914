"""Web push: the alert to a browser's push subscription, encrypted (RFC 8291) and signed with our
VAPID key (RFC 8292) by pywebpush; the service worker (static/js/alerts-sw.js) shows it. A push
service that answers 404 or 410 says the subscription has expired: it is removed."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from alerts.channels.base import SNIPPET_CHARS, Channel, TargetGone
from alerts.channels.message import AlertMessage
from alerts.channels.public_network import BlockedAddress
from alerts.models import Delivery
from config.outbound import TransportError, status_error

TIME_TO_LIVE_SECONDS = 24 * 3600  # a browser offline longer than this misses the alert


def push_data(message: AlertMessage) -> dict:
    """What the service worker shows: a notification's title, body, link and tag (one per event)."""
    return {"title": message.title, "body": message.text[:300], "url": message.url,
            "tag": f"beacon-alert-{message.event_id or 'test'}"}


class PushChannel(Channel):
    kind = "push"

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        if not (settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY):
            raise TransportError("Web push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY.",
                                 permanent=True)
        subscription = self.destination(delivery)
        endpoint = urlsplit(subscription.url)
        shown = f"{endpoint.scheme}://{endpoint.netloc}/…"  # the rest of the path is the subscription's secret
        data = json.dumps(push_data(message))
        self.exchange.request = f"POST {shown}\nTTL: {TIME_TO_LIVE_SECONDS}\n\n{data} (encrypted)"[:SNIPPET_CHARS]
        try:
            response = webpush(
                subscription_info={"endpoint": subscription.url,
                                   "keys": {"p256dh": subscription.push_p256dh, "auth": subscription.push_auth}},
                data=data, vapid_private_key=settings.VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.VAPID_SUBJECT}, ttl=TIME_TO_LIVE_SECONDS, headers={"Urgency": "high"},
                timeout=self.client.timeout, requests_session=self.client.session)
        except WebPushException as error:
            if error.response is None:
                raise TransportError(f"Web push failed: {error.message[:200]}", permanent=True) from error
            response = error.response
        except BlockedAddress as error:
            raise TransportError(f"Refused: {error}", permanent=True) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransportError(f"network error: {error.__class__.__name__}") from error
        self.exchange.status = response.status_code
        self.exchange.response = response.text[:SNIPPET_CHARS]
        if response.status_code in (404, 410):
            raise TargetGone(f"The push subscription has expired (HTTP {response.status_code}).")
        failure = status_error(response, url=shown)
        if failure is not None:
            raise failure
