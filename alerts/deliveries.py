"""Alert deliveries: one per channel (and destination) of each event, sent by workers, retried by one
policy, logged in one place (DESIGN.md principle 6, STYLE.md point 15).

`deliveries_create_for_event(event=)` is what the rules side calls when an event fires. Each
delivery's task claims it with a conditional UPDATE (queued or due → sending, with a lease), so a
second run of the task is a no-op, and a worker that dies mid-send leaves a claim that expires: the
delivery is sent again with the same idempotency key, for the receiver to drop if the first arrived.
A channel's `send` raises TransportError; here that becomes a retry at `alerts.retry_policy`'s time,
a failure, or a destination disabled. Due retries, lost queue messages and expired claims are picked
up by `deliveries_due_queue`, on Beat.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import current_app, group
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership
from alerts.channels.base import Exchange, TargetGone
from alerts.channels.message import AlertMessage
from alerts.channels.registry import CHANNEL_CLASSES
from alerts.destinations import destination_failure_note, destination_gone, destination_success_note
from alerts.event_fields import event_channels, event_member, event_message, sample_message
from alerts.models import (
    MEMBER_CHANNELS,
    AlertEvent,
    AttemptOutcome,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Destination,
    MemberAlertSettings,
)
from alerts.retry_policy import next_attempt_at
from billing.entitlements import tenant_entitlements
from config.errors import InvalidInput
from config.logging import redact
from config.outbound import TransportError

logger = logging.getLogger(__name__)

DELIVERY_SEND_TASK = "alerts.tasks.delivery_send"  # kwargs delivery_id
CLAIM_LEASE = timedelta(minutes=5)  # far above a send's timeout: a claim older than this lost its worker
LOST_MESSAGE_GRACE = timedelta(minutes=1)  # a queued delivery this old lost its task message
DUE_BATCH = 500


def deliveries_create_for_event(*, event: AlertEvent) -> list[Delivery]:
    """One Delivery per channel the rule asks for that the tenant's plan allows (`alert_channels`): for
    in-app and email one for the member, for the others one per enabled destination of the member. An
    email is held for the digest if the member chose one. Idempotent: a second call creates nothing.
    The new deliveries' tasks go to the `alerts` queue after the commit. Returns the event's deliveries."""
    tenant, member = event.tenant, event_member(event)
    if not Membership.objects.filter(tenant=tenant, user=member).exists():
        return []
    allowed = tenant_entitlements(tenant=tenant).alert_channels
    digest = MemberAlertSettings.objects.for_tenant(tenant).filter(member=member, email_digest_minutes__gt=0).exists()
    rows = []
    for channel in event_channels(event):
        if channel not in allowed or channel not in CHANNEL_CLASSES:
            continue
        if channel in MEMBER_CHANNELS:
            held = channel == Channel.EMAIL and digest
            rows.append(Delivery(tenant=tenant, event=event, member=member, channel=channel, target="member",
                                 status=DeliveryStatus.HELD if held else DeliveryStatus.QUEUED))
            continue
        for destination in Destination.objects.for_tenant(tenant).filter(member=member, channel=channel,
                                                                         disabled_at=None):
            rows.append(Delivery(tenant=tenant, event=event, member=member, channel=channel,
                                 destination=destination, target=str(destination.pk)))
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        deliveries = list(Delivery.objects.filter(event=event).order_by("pk"))
        queued = [d.pk for d in deliveries if d.status == DeliveryStatus.QUEUED]
        transaction.on_commit(lambda: deliveries_queue(delivery_ids=queued))
    return deliveries


def deliveries_queue(*, delivery_ids: list[int]) -> None:
    """Send each delivery's task, by name, to the `alerts` queue in one group. A failing send is logged:
    the deliveries stay queued and `deliveries_due_queue` sends them again."""
    if not delivery_ids:
        return
    try:
        group(current_app.signature(DELIVERY_SEND_TASK, kwargs={"delivery_id": pk}, queue="alerts")
              for pk in delivery_ids).apply_async()
    except Exception:
        logger.exception("queueing deliveries %s failed; the due sweep will queue them", delivery_ids)


def deliveries_due_queue(*, now: datetime | None = None) -> int:
    """Queue every delivery a worker should take now: retries that are due, queued ones whose message
    was lost, and claims that expired with their worker. Returns how many."""
    now = now or timezone.now()
    due = (Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
           | Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now - LOST_MESSAGE_GRACE)
           | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now))
    ids = list(Delivery.objects.filter(due).order_by("next_attempt_at").values_list("pk", flat=True)[:DUE_BATCH])
    deliveries_queue(delivery_ids=ids)
    return len(ids)


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Take the delivery for one attempt if it is ready (queued or due, or its claim expired); whether
    this caller got it. One conditional UPDATE: of two workers, one gets it."""
    ready = (Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING], next_attempt_at__lte=now)
             | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now))
    return Delivery.objects.filter(ready, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1,
        first_attempt_at=Coalesce(F("first_attempt_at"), Value(now))) == 1


def delivery_message(delivery: Delivery, *, now: datetime) -> AlertMessage:
    if delivery.is_test or delivery.event is None:
        return sample_message(tenant=delivery.tenant, now=now)
    return event_message(delivery.event)


def delivery_attempt(*, delivery_id: int, now: datetime | None = None,
                     jitter: Callable[[], float] = random.random) -> Delivery | None:
    """Claim the delivery and make one attempt through its channel; record the outcome. None if there was
    nothing to claim (sent, held, not due, or another worker has it)."""
    now = now or timezone.now()
    if not delivery_claim(delivery_id=delivery_id, now=now):
        return None
    delivery = Delivery.objects.select_related("tenant", "member", "destination", "event").get(pk=delivery_id)
    channel = CHANNEL_CLASSES[delivery.channel]()
    started = time.monotonic()
    error: TransportError | None = None
    if delivery.channel not in MEMBER_CHANNELS and (delivery.destination is None
                                                     or not delivery.destination.is_enabled):
        error = TransportError("The destination was removed or turned off.", permanent=True)
    else:
        try:
            channel.send(delivery=delivery, message=delivery_message(delivery, now=now))
        except TransportError as failure:
            error = failure
        except Exception as failure:  # a bug in a channel: logged for Sentry, retried like a passing error
            logger.exception("the %s channel failed on delivery %s", delivery.channel, delivery.pk)
            error = TransportError(f"internal error: {failure.__class__.__name__}")
    return delivery_outcome_record(delivery=delivery, exchange=channel.exchange, error=error, now=now,
                                   duration_ms=int((time.monotonic() - started) * 1000), jitter=jitter)


def delivery_outcome_record(*, delivery: Delivery, exchange: Exchange, error: TransportError | None, now: datetime,
                            duration_ms: int, jitter: Callable[[], float]) -> Delivery:
    """The one place an attempt's outcome is decided and logged: sent; retried at the policy's time (a
    passing error within the window); or failed (a permanent error, or the window is over). The
    destination's failure clock runs, and a destination that is gone is removed or disabled."""
    retry_at = None
    if error is not None and not error.permanent:
        retry_at = next_attempt_at(attempts=delivery.attempts, first_attempt_at=delivery.first_attempt_at or now,
                                   now=now, retry_after=error.retry_after, random=jitter)
    message = redact(error.message)[:450] if error is not None else ""
    if error is None:
        outcome, fields = AttemptOutcome.SENT, {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
    elif retry_at is not None:
        outcome, fields = AttemptOutcome.RETRY, {"status": DeliveryStatus.RETRYING, "next_attempt_at": retry_at,
                                                 "last_error": message}
    else:
        gave_up = "" if error.permanent else "Gave up after 24 hours of retries. "
        outcome, fields = AttemptOutcome.FAILED, {"status": DeliveryStatus.FAILED, "last_error": gave_up + message}
    destination = delivery.destination
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(claimed_until=None, **fields)
        DeliveryAttempt.objects.create(
            tenant_id=delivery.tenant_id, delivery=delivery, number=delivery.attempts, started_at=now,
            duration_ms=duration_ms, outcome=outcome, request=redact(exchange.request),
            response_status=exchange.status, response=redact(exchange.response), error=message)
        if destination is not None and error is None:
            destination_success_note(destination=destination, now=now)
        elif isinstance(error, TargetGone) and destination is not None:
            destination_gone(destination=destination, reason=error.message, now=now)
        elif destination is not None and destination.is_enabled:
            destination_failure_note(destination=destination, now=now)
    delivery.refresh_from_db()
    return delivery


def delivery_redeliver(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send a delivery again, now, with a fresh retry window and the same idempotency key (a receiver
    that processed it may drop it). Not while it is being sent or held for the digest."""
    now = now or timezone.now()
    if delivery.destination is not None and not delivery.destination.is_enabled:
        raise InvalidInput("Turn the destination back on first.", fields={"destination": ["It is turned off."]})
    with transaction.atomic():
        changed = Delivery.objects.filter(
            pk=delivery.pk, status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.RETRYING]).update(
            status=DeliveryStatus.QUEUED, next_attempt_at=now, first_attempt_at=None, claimed_until=None)
        if not changed:
            raise InvalidInput("This delivery is being sent right now; try again in a moment.",
                               fields={"status": [f"It is {delivery.get_status_display().lower()}."]})
        transaction.on_commit(lambda: deliveries_queue(delivery_ids=[delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def destination_test_send(*, destination: Destination, now: datetime | None = None) -> Delivery:
    """Queue a test alert to one destination; it is delivered and logged like any other."""
    now = now or timezone.now()
    if not destination.is_enabled:
        raise InvalidInput("Turn the destination back on first.", fields={"destination": ["It is turned off."]})
    with transaction.atomic():
        delivery = Delivery.objects.create(
            tenant_id=destination.tenant_id, member_id=destination.member_id, channel=destination.channel,
            destination=destination, target=str(destination.pk), is_test=True, created_at=now, next_attempt_at=now)
        transaction.on_commit(lambda: deliveries_queue(delivery_ids=[delivery.pk]))
    return delivery
