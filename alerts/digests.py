"""The email digest: a member who chose one gets one summary every N minutes instead of an email per
alert. Their email deliveries are held (DeliveryStatus.HELD) and `digests_send`, on Beat, sends each
member's held ones together once N minutes have passed since their last digest.

The held deliveries are claimed with a conditional UPDATE as single deliveries are; a digest whose
worker died is not lost: its claim expires and the due sweep sends each as a single email.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Tenant, User
from alerts.channels.base import SNIPPET_CHARS
from alerts.channels.email import digest_email, email_send
from alerts.deliveries import CLAIM_LEASE, deliveries_queue, delivery_message
from alerts.models import (
    AttemptOutcome,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MemberAlertSettings,
)
from alerts.retry_policy import DEFAULT_POLICY
from config.errors import InvalidInput
from config.logging import redact
from config.outbound import TransportError

DIGEST_CHOICES = (0, 15, 30, 60, 240, 1440)  # minutes; 0 is one email per alert
DIGEST_MAX_ALERTS = 100


def member_alert_settings_get(*, tenant: Tenant, member: User) -> MemberAlertSettings:
    row, _ = MemberAlertSettings.objects.get_or_create(tenant=tenant, member=member)
    return row


@transaction.atomic
def email_digest_set(*, tenant: Tenant, member: User, minutes: int) -> MemberAlertSettings:
    """One email per alert (0) or a digest every `minutes`; turning the digest off sends what it held as
    single emails."""
    if minutes not in DIGEST_CHOICES:
        choices = ", ".join(str(m) for m in DIGEST_CHOICES)
        raise InvalidInput("Choose how often the digest comes.",
                           fields={"email_digest_minutes": [f"Must be one of {choices} (minutes)."]})
    row = member_alert_settings_get(tenant=tenant, member=member)
    row.email_digest_minutes = minutes
    row.save(update_fields=["email_digest_minutes"])
    if minutes == 0:
        held = list(Delivery.objects.for_tenant(tenant).filter(member=member, status=DeliveryStatus.HELD)
                    .values_list("pk", "channel"))
        Delivery.objects.filter(pk__in=[pk for pk, _ in held], status=DeliveryStatus.HELD).update(
            status=DeliveryStatus.QUEUED)
        transaction.on_commit(lambda: deliveries_queue(deliveries=held))
    return row


def digests_send(*, now: datetime | None = None) -> int:
    """Send every digest that is due (held alerts, and N minutes since the member's last one); returns how
    many emails went."""
    now = now or timezone.now()
    sent = 0
    for row in MemberAlertSettings.objects.filter(email_digest_minutes__gt=0).select_related("tenant", "member"):
        if row.digest_sent_at is None or row.digest_sent_at <= now - timedelta(minutes=row.email_digest_minutes):
            sent += digest_send(settings_row=row, now=now)
    return sent


def digest_send(*, settings_row: MemberAlertSettings, now: datetime) -> int:
    """Claim the member's held email deliveries and send them as one email; 1 if it went, else 0 (nothing
    held, or the mail server failed: they are held for the next digest, or fail after the retry window)."""
    held = list(Delivery.objects.for_tenant(settings_row.tenant)
                .filter(member=settings_row.member, channel=Channel.EMAIL, status=DeliveryStatus.HELD)
                .order_by("created_at", "pk").values_list("pk", flat=True)[:DIGEST_MAX_ALERTS])
    Delivery.objects.filter(pk__in=held, status=DeliveryStatus.HELD).update(
        status=DeliveryStatus.SENDING, claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1,
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(now)))
    deliveries = list(Delivery.objects.filter(pk__in=held, status=DeliveryStatus.SENDING, claimed_until__gt=now)
                      .select_related("tenant", "event").order_by("created_at", "pk"))
    if not deliveries:
        return 0
    email = digest_email(messages=[delivery_message(d, now=now) for d in deliveries], to=settings_row.member.email,
                         minutes=settings_row.email_digest_minutes)
    request = f"To: {settings_row.member.email}\nSubject: {email.subject}\n\n{email.body}"[:SNIPPET_CHARS]
    try:
        email_send(email)
        error = None
    except TransportError as failure:
        error = failure
    _digest_record(deliveries=deliveries, request=request, error=error, now=now)
    MemberAlertSettings.objects.filter(pk=settings_row.pk).update(digest_sent_at=now)
    return 1 if error is None else 0


@transaction.atomic
def _digest_record(*, deliveries: list[Delivery], request: str, error: TransportError | None, now: datetime) -> None:
    """Sent; or held for the next digest; or failed (a permanent error, or past the retry window)."""
    message = redact(error.message)[:450] if error is not None else ""
    outcomes = {}
    for d in deliveries:
        if error is None:
            outcomes[d.pk] = AttemptOutcome.SENT
        elif error.permanent or (d.first_attempt_at or now) + DEFAULT_POLICY.window <= now:
            outcomes[d.pk] = AttemptOutcome.FAILED
        else:
            outcomes[d.pk] = AttemptOutcome.RETRY
    fields: dict[str, dict[str, Any]] = {AttemptOutcome.SENT: {"status": DeliveryStatus.SENT, "sent_at": now,
                                                               "last_error": ""},
              AttemptOutcome.RETRY: {"status": DeliveryStatus.HELD, "last_error": message},
              AttemptOutcome.FAILED: {"status": DeliveryStatus.FAILED, "last_error": message}}
    for outcome, changes in fields.items():
        ids = [pk for pk, o in outcomes.items() if o == outcome]
        if ids:
            Delivery.objects.filter(pk__in=ids).update(claimed_until=None, **changes)
    DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(tenant_id=d.tenant_id, delivery=d, number=d.attempts, started_at=now, outcome=outcomes[d.pk],
                        request=redact(request), error=message)
        for d in deliveries])
