"""Sending to the live feed from anywhere (web, Celery workers): the tenant-scoped stream.

Signals reach the feed through publishing (`signals.<tier>` groups, sent by config.channel_sender
after the commit); a tenant's alerts and notifications go through `feed_tenant_send`, which only
that tenant's sockets subscribed to the `alerts` stream receive.
"""

from __future__ import annotations

import re

from django.db import transaction

from config.channel_sender import group_send_many

TENANT_MESSAGE_TYPE = re.compile(r"^(alert|notification)\.[a-z_]+$")


MARKET_GROUP = "market"  # closed bars' prices, for every subscriber of the `market` stream
MARKET_MESSAGE_TYPE = "market.bar_closed"


def tenant_group_name(tenant_id: int) -> str:
    """The channel layer group of a tenant's alerts and notifications."""
    return f"tenant.{int(tenant_id)}"


def feed_tenant_send(*, tenant_id: int, message_type: str, data: dict, seq: int | None = None) -> None:
    """Send `{"type": message_type, "seq": seq, "data": data}` to the tenant's `alerts` stream after the
    current transaction commits (at once outside one). `message_type` is `alert.<what>` or
    `notification.<what>`; `seq`, if given, is the sender's own increasing id of the message."""
    if not TENANT_MESSAGE_TYPE.match(message_type):
        raise ValueError(f"A tenant feed message type is alert.<what> or notification.<what>, not {message_type!r}.")
    message = {"type": message_type, "seq": seq, "data": data}
    group = tenant_group_name(tenant_id)
    transaction.on_commit(lambda: group_send_many([(group, message)]), robust=True)


def feed_market_send(*, bars: list[dict]) -> None:
    """Send each closed bar (`data` of a `market.bar_closed` message: instrument, asset_class, timeframe,
    closed_at, close, day_change_pct) to the `market` stream after the current transaction commits."""
    messages = [(MARKET_GROUP, {"type": MARKET_MESSAGE_TYPE, "seq": None, "data": data}) for data in bars]
    if messages:
        transaction.on_commit(lambda: group_send_many(messages), robust=True)
