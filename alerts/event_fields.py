"""What the deliveries read of an AlertEvent, in one place: its tenant, member, channels and message.

MERGE NOTE (lead): alerts.models.AlertEvent is a placeholder in the deliveries branch. When
watchlists-alerts' AlertEvent replaces it, only these functions change (e.g. the member and the
channels come from the event's rule); the channels and services read nothing else of an event.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from accounts.models import Tenant, User
from alerts.channels.message import AlertMessage
from alerts.models import AlertEvent


def event_member(event: AlertEvent) -> User:
    """The member the alert is for (whose rule fired)."""
    return event.member


def event_channels(event: AlertEvent) -> list[str]:
    """The channels the rule asks for, in its order, each once."""
    return list(dict.fromkeys(str(channel) for channel in event.channels))


def notifications_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("alerts:notifications")


def event_message(event: AlertEvent) -> AlertMessage:
    return AlertMessage(title=event.title, text=event.text, created_at=event.created_at, url=notifications_url(),
                        tenant_name=event.tenant.name, event_id=event.pk,
                        payload=event.payload if isinstance(event.payload, dict) else {})


def sample_message(*, tenant: Tenant, now) -> AlertMessage:
    """The alert a "send test" delivers: marked as a test, with a sample signal's levels."""
    return AlertMessage(
        title="Test alert from Beacon", text="If you can read this, alerts reach you here.", created_at=now,
        url=notifications_url(), tenant_name=tenant.name, is_test=True,
        payload={"signal": {"symbol": "BTCUSD", "timeframe": "H1", "direction": "long", "entry": "64250.00",
                            "stop_loss": "63100.00", "take_profits": ["65400.00", "66550.00", "68200.00"]}})
