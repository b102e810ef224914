"""Reads of alert deliveries: a member's destinations and their delivery log, notifications and their
unread count. Every read takes the tenant and the member: one member never sees another's."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Tenant, User
from alerts.models import Delivery, DeliveryAttempt, Destination, Notification


def destination_list(*, tenant: Tenant, member: User, channel: str | None = None) -> QuerySet[Destination]:
    destinations = Destination.objects.for_tenant(tenant).filter(member=member)
    if channel is not None:
        destinations = destinations.filter(channel=channel)
    return destinations.order_by("channel", "created_at", "pk")


def delivery_log(*, destination: Destination) -> QuerySet[Delivery]:
    """The destination's deliveries, newest first, each with its attempts (newest first)."""
    return (Delivery.objects.filter(tenant_id=destination.tenant_id, destination=destination)
            .select_related("event").order_by("-created_at", "-pk")
            .prefetch_related(Prefetch("log", queryset=DeliveryAttempt.objects.order_by("-number", "-pk"))))


def notification_list(*, tenant: Tenant, member: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.for_tenant(tenant).filter(member=member)
    if unread_only:
        notifications = notifications.filter(read_at=None)
    return notifications.order_by("-created_at", "-pk")


def notification_unread_count(*, tenant: Tenant, member: User) -> int:
    return Notification.objects.for_tenant(tenant).filter(member=member, read_at=None).count()
