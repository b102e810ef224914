"""Writes of in-app notifications: marking them read."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts.models import Tenant, User
from alerts.models import Notification


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> Notification:
    """Mark one notification read (once: the first reading time stays)."""
    Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now or timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, tenant: Tenant, member: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the member read; how many were."""
    return Notification.objects.for_tenant(tenant).filter(member=member, read_at=None).update(
        read_at=now or timezone.now())
