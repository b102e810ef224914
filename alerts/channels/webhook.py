"""Webhook: the alert as JSON, POSTed to the member's URL and signed with the endpoint's own secret.

Headers: `X-Beacon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed by the
endpoint's secret (docs/webhooks.md shows how to verify it), and `Idempotency-Key`, the same on every
attempt of a delivery, so a receiver can drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from alerts.channels.base import Channel
from alerts.channels.message import AlertMessage
from alerts.models import Delivery
from config.outbound import status_error

SIGNATURE_HEADER = "X-Beacon-Signature"


def webhook_body(*, delivery: Delivery, message: AlertMessage) -> bytes:
    """The JSON a receiver gets: {"id" (the idempotency key), "type", "created_at", "data"}."""
    return json.dumps({
        "id": str(delivery.idempotency_key),
        "type": message.kind,
        "created_at": message.created_at.isoformat(),
        "data": {"event_id": message.event_id, "title": message.title, "text": message.text, "url": message.url,
                 "payload": message.payload},
    }, separators=(",", ":")).encode()


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Beacon-Signature value: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookChannel(Channel):
    kind = "webhook"

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        endpoint = self.destination(delivery)
        body = webhook_body(delivery=delivery, message=message)
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(delivery.idempotency_key),
            "X-Beacon-Event": message.kind,
            SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=int(time.time()), body=body),
        }
        response = self.post(endpoint.url, body=body, headers=headers)
        error = status_error(response, url=endpoint.url)
        if error is not None:
            raise error
