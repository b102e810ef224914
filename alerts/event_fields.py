"""What the deliveries read of an AlertEvent, in one place: who it is for and on which channels (its
rule's maker and channels), and the message every channel renders.

The message's title is what fired, in words (the event's message); its text names the member's rule;
its payload carries the rule, the instrument and bar or the signal with its levels at the instrument's
precision. A signal's fields the tenant's plan hides (its confidence, on Free) are null in the payload,
as the API sends them (api.masking), so no channel tells an alert's reader more than the website would.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse

from accounts.models import Tenant
from alerts.channels.message import AlertMessage
from alerts.models import AlertEvent, AlertRule
from alerts.selectors import alert_rule_recipients
from api.masking import mask_fields
from billing.entitlements import Entitlements, tenant_entitlements
from signals.models import Signal


class FiredEvent(Protocol):
    """What the deliveries need of an event: an AlertEvent, or alerts.event_books' StoredEvent."""

    @property
    def pk(self) -> int: ...
    @property
    def rule_id(self) -> int: ...
    @property
    def tenant_id(self) -> int: ...


def events_recipients(*, events: Sequence[FiredEvent]) -> dict[int, tuple[int | None, list[str]]]:
    """Each event's member (the id of whoever made its rule; None if they were deleted) and channels (its
    rule's, in order, each once), by event id. One query for all the events."""
    rules = alert_rule_recipients(rule_ids={event.rule_id for event in events})
    recipients = {}
    for event in events:
        member_id, channels = rules.get(event.rule_id, (None, []))
        recipients[event.pk] = (member_id, list(dict.fromkeys(str(channel) for channel in channels)))
    return recipients


def notifications_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("alerts:notifications")


def event_message(event: AlertEvent) -> AlertMessage:
    """The alert as the channels render it (a few queries: the rule, the tenant's plan, the signal)."""
    rule = event.rule
    return AlertMessage(title=event.message[:200], text=f"Your alert “{rule.name}”: {rule.summary}.",
                        created_at=event.fired_at, url=notifications_url(), tenant_name=event.tenant.name,
                        event_id=event.pk, payload=event_payload(event, rule=rule))


def event_payload(event: AlertEvent, *, rule: AlertRule) -> dict[str, Any]:
    """The event's JSON for receivers (a webhook's `data.payload`): what fired it, on what."""
    payload: dict[str, Any] = {
        "rule": {"id": rule.pk, "name": rule.name, "kind": rule.kind, "condition": rule.summary},
        "fired_at": event.fired_at.isoformat()}
    if event.instrument is not None:
        payload |= {"instrument": event.instrument.symbol, "timeframe": event.timeframe}
    if event.bar_time is not None:
        payload |= {"bar_time": event.bar_time.isoformat(), "left_value": event.left_value,
                    "right_value": event.right_value}
    if event.signal_id is not None:
        signal = Signal.objects.select_related("instrument").get(pk=event.signal_id)
        payload["signal"] = signal_payload(signal, entitlements=tenant_entitlements(tenant=event.tenant))
    return payload


def signal_payload(signal: Signal, *, entitlements: Entitlements) -> dict[str, Any]:
    """The signal's levels as text at its instrument's precision, its confidence (0 to 1) if the plan shows
    it, and `hidden_fields`, as the API says which fields a plan hides."""
    digits = signal.instrument.price_precision

    def price(value: float) -> str:
        return f"{value:.{digits}f}"

    shown, hidden = mask_fields({
        "id": signal.pk, "symbol": signal.instrument.symbol, "timeframe": signal.timeframe,
        "direction": signal.direction, "entry": price(signal.entry), "stop_loss": price(signal.stop),
        "take_profits": [price(signal.target_1), price(signal.target_2), price(signal.target_3)],
        "confidence": signal.confidence}, entitlements)
    return shown | {"hidden_fields": hidden}


def sample_message(*, tenant: Tenant, now: datetime) -> AlertMessage:
    """The alert a "send test" delivers: marked as a test, with a sample signal's levels."""
    return AlertMessage(
        title="Test alert from Beacon", text="If you can read this, alerts reach you here.", created_at=now,
        url=notifications_url(), tenant_name=tenant.name, is_test=True,
        payload={"signal": {"symbol": "BTCUSD", "timeframe": "H1", "direction": "long", "entry": "64250.00",
                            "stop_loss": "63100.00", "take_profits": ["65400.00", "66550.00", "68200.00"]}})
