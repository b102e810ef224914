"""In-app: the alert in the member's notifications list (with its unread count) and on the tenant's
live feed."""

from __future__ import annotations

from alerts.channels.base import Channel
from alerts.channels.message import AlertMessage
from alerts.models import Delivery, Notification
from signals.feed_sending import feed_tenant_send


def notification_feed_data(notification: Notification, *, alert: str = "") -> dict:
    """The `data` of the live feed's notification.created message (`alert`: the name of the rule that fired)."""
    return {"id": notification.pk, "member_id": notification.member_id, "event_id": notification.event_id,
            "alert": alert, "title": notification.title, "text": notification.text, "url": notification.url,
            "created_at": notification.created_at.isoformat()}


def notification_feed_send(*, notification: Notification, alert: str = "") -> None:
    """Put the notification on the tenant's live feed, its `alerts` stream, after the commit; the feed
    hands it to the sockets of its member only (data.member_id)."""
    feed_tenant_send(tenant_id=notification.tenant_id, message_type="notification.created",
                     data=notification_feed_data(notification, alert=alert), seq=notification.pk)


class InAppChannel(Channel):
    kind = "in_app"
    sends_per_task = 500  # a row in our own database each

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        notification, _ = Notification.objects.get_or_create(delivery=delivery, defaults={
            "tenant_id": delivery.tenant_id, "member_id": delivery.member_id, "event_id": delivery.event_id,
            "title": message.title[:200], "text": message.text, "url": message.url})
        self.exchange.request = f"notification {notification.pk} for member {delivery.member_id}"
        notification_feed_send(notification=notification, alert=str(message.payload.get("rule", {}).get("name", "")))
