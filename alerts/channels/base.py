"""The one delivery contract (STYLE.md point 15, after healthchecks' Transport).

A channel is a small class with one `send(delivery=, message=)`: it returns when the alert was
delivered and raises `TransportError` when not, `permanent` when a retry cannot help and with
`retry_after` when the service said how long to wait; `TargetGone` when the destination is gone for
good (an expired push subscription, a blocked Telegram bot, a deleted Discord webhook). Retrying,
the delivery log and disabling destinations live once, above the classes, in alerts.deliveries; a
channel only records what went over the wire in `self.exchange` for the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import requests
from django.conf import settings

from alerts.channels.message import AlertMessage
from alerts.channels.public_network import BlockedAddress, PublicSession
from alerts.models import Delivery, Destination
from config.outbound import HttpClient, TransportError

SNIPPET_CHARS = 2000


class TargetGone(TransportError):
    """The destination no longer takes alerts from us; it is disabled (or, a push subscription, removed)."""

    def __init__(self, message: str):
        super().__init__(message, permanent=True)


@dataclass
class Exchange:
    """What one attempt sent and got back, as the delivery log shows it (snippets, never a secret)."""

    request: str = ""
    status: int | None = None
    response: str = ""


def http_client() -> HttpClient:
    """The outbound client of every HTTP channel: one try per attempt (the delivery's retry policy
    schedules the next), public addresses only, no redirects."""
    return HttpClient(session=PublicSession(), attempts=1, timeout=settings.ALERTS_SEND_TIMEOUT_SECONDS)


class Channel:
    kind: ClassVar[str]
    # How many of its deliveries one send task takes, one after the other: one for a channel that waits on
    # someone else's server (a slow endpoint then delays only itself), more for a quick local one, so that
    # a close's thousands of deliveries go to the broker as tens of messages (each costs ~0.6 ms to put).
    sends_per_task: ClassVar[int] = 1

    def __init__(self, *, client: HttpClient | None = None):
        self.client = client or http_client()
        self.exchange = Exchange()

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        raise NotImplementedError

    @staticmethod
    def destination(delivery: Delivery) -> Destination:
        """The delivery's destination (channels other than in-app and email always have one)."""
        if delivery.destination is None:
            raise TransportError("The destination was removed.", permanent=True)
        return delivery.destination

    def post(self, url: str, *, body: bytes, headers: dict[str, str], shown_url: str | None = None
             ) -> requests.Response:
        """POST once, recording the exchange (the URL as `shown_url` when the real one holds a secret).
        A refused address is a permanent error; a network error or timeout a passing one."""
        shown_headers = "".join(f"{name}: {value}\n" for name, value in headers.items())
        self.exchange.request = f"POST {shown_url or url}\n{shown_headers}\n{body.decode(errors='replace')}"[
            :SNIPPET_CHARS]
        try:
            response = self.client.post(url, data=body, headers=headers)
        except BlockedAddress as error:
            raise TransportError(f"Refused: {error}", permanent=True) from error
        self.exchange.status = response.status_code
        self.exchange.response = response.text[:SNIPPET_CHARS]
        return response
