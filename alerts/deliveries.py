"""Alert deliveries: one per channel (and destination) of each event, sent by workers, retried by one
policy, logged in one place (DESIGN.md principle 6, STYLE.md point 15).

`deliveries_create_for_events(events=)` is what follows events just stored (alerts.services'
`alert_events_fired`, in their transaction): every delivery of a batch in one statement. Each
delivery's task claims it with a conditional UPDATE (queued or due → sending, with a lease), so a
second run of the task is a no-op, and a worker that dies mid-send leaves a claim that expires: the
delivery is sent again with the same idempotency key, for the receiver to drop if the first arrived.
A channel's `send` raises TransportError; here that becomes a retry at `alerts.retry_policy`'s time,
a failure, or a destination disabled. Due retries, lost queue messages and expired claims are picked
up by `deliveries_due_queue`, on Beat.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from celery import current_app, group
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership
from alerts.channels.base import Exchange, TargetGone
from alerts.channels.message import AlertMessage
from alerts.channels.registry import CHANNEL_CLASSES
from alerts.destinations import destination_failure_note, destination_gone, destination_success_note
from alerts.event_fields import FiredEvent, event_message, events_recipients, sample_message
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
from alerts.selectors import tenant_entitlements_many
from config.errors import InvalidInput
from config.logging import redact
from config.outbound import TransportError

logger = logging.getLogger(__name__)

DELIVERY_SEND_TASK = "alerts.tasks.delivery_send"  # kwargs delivery_id
DELIVERIES_SEND_TASK = "alerts.tasks.deliveries_send"  # kwargs delivery_ids, of one channel
CLAIM_LEASE = timedelta(seconds=settings.ALERTS_CLAIM_LEASE_SECONDS)  # a claim older than this lost its worker
LOST_MESSAGE_GRACE = timedelta(minutes=1)  # a queued delivery this old lost its task message
DUE_BATCH = 500

DELIVERY_COLUMNS = ("tenant_id", "event_id", "member_id", "channel", "destination_id", "target", "status",
                    "idempotency_key", "is_test", "attempts", "last_error", "created_at", "next_attempt_at",
                    "updated_at")
DELIVERY_INSERT_HEAD = "INSERT INTO alerts_delivery (" + ", ".join(DELIVERY_COLUMNS) + ") "
# The conflict target is the partial unique index of an event's deliveries (delivery_unique_event_channel_target).
DELIVERY_INSERT_TAIL = (" ON CONFLICT (event_id, channel, target) WHERE event_id IS NOT NULL DO NOTHING"
                        " RETURNING id, channel, status")
# The idempotency keys are made by the server (gen_random_uuid), a tenth of Python's time for thousands.
DELIVERIES_FROM_JSON = ("SELECT (r->>0)::bigint, (r->>1)::bigint, (r->>2)::bigint, r->>3, (r->>4)::bigint, r->>5,"
                        " r->>6, gen_random_uuid(), false, 0, '', %s, %s, %s FROM jsonb_array_elements(%s::jsonb) AS r")
ROWS_PER_STATEMENT = 500  # the portable VALUES form: 14 placeholders a row, SQLite allows 32,766


def deliveries_create_for_events(*, events: Sequence[FiredEvent],
                                 recipients: dict[int, tuple[int | None, list[str]]] | None = None,
                                 now: datetime | None = None) -> list[int]:
    """Every delivery of events stored together (a close's, a publication's): for each event, one per
    channel its rule asks for that its tenant's plan allows (`alert_channels`), for the rule's maker while
    they are a member of the tenant: in-app and email one for the member (an email held for the digest if
    they chose one), the others one per enabled destination of theirs. Inserted in one statement that
    skips those stored already (ON CONFLICT DO NOTHING on (event, channel, target)), so a second call
    creates nothing; the new queued ones' tasks go to the `alerts` queue after the commit. A few queries
    whatever the number of events (`recipients`, each event's member and channels by event id, when the
    caller read them already). Returns the ids of the deliveries created."""
    if not events:
        return []
    now = now or timezone.now()
    rows = _delivery_rows(events, recipients or events_recipients(events=events))
    if not rows:
        return []
    with transaction.atomic():
        created = _deliveries_insert(rows, now=now)
        queued = [(pk, channel) for pk, channel, status in created if status == DeliveryStatus.QUEUED]
        if queued:
            transaction.on_commit(lambda: deliveries_queue(deliveries=queued))
    return [pk for pk, _, _ in created]


def deliveries_create_for_event(*, event: AlertEvent) -> list[Delivery]:
    """deliveries_create_for_events for one event; returns all of the event's deliveries, in order."""
    deliveries_create_for_events(events=[event])
    return list(Delivery.objects.filter(event=event).order_by("pk"))


# tenant, event, member, channel, destination (None for in-app and email), target, status
DeliveryRow = tuple[int, int, int, str, int | None, str, str]


def _delivery_rows(events: Sequence[FiredEvent],
                   recipients: dict[int, tuple[int | None, list[str]]]) -> list[DeliveryRow]:
    """The row of each delivery the events need (see deliveries_create_for_events)."""
    asked = {(event.tenant_id, member_id) for event in events for member_id in [recipients[event.pk][0]]
             if member_id is not None}
    tenant_ids, member_ids = {t for t, _ in asked}, {m for _, m in asked}
    members = asked & set(Membership.objects.filter(tenant_id__in=tenant_ids, user_id__in=member_ids)
                          .values_list("tenant_id", "user_id"))
    if not members:
        return []
    allowed = {pk: plan.alert_channels for pk, plan in tenant_entitlements_many(tenant_ids=tenant_ids).items()}
    digest = set(MemberAlertSettings.objects.filter(tenant_id__in=tenant_ids, member_id__in=member_ids,
                                                    email_digest_minutes__gt=0).values_list("tenant_id", "member_id"))
    addressed = {channel for _, channels in recipients.values() for channel in channels} - set(MEMBER_CHANNELS)
    destinations = _destinations_of(tenant_ids=tenant_ids, member_ids=member_ids, channels=addressed)
    rows: list[DeliveryRow] = []
    for event in events:
        member_id, channels = recipients[event.pk]
        tenant_id = event.tenant_id
        if member_id is None or (tenant_id, member_id) not in members:
            continue
        for channel in channels:
            if channel not in allowed[tenant_id] or channel not in CHANNEL_CLASSES:
                continue
            if channel in MEMBER_CHANNELS:
                held = channel == Channel.EMAIL and (tenant_id, member_id) in digest
                status = DeliveryStatus.HELD if held else DeliveryStatus.QUEUED
                rows.append((tenant_id, event.pk, member_id, channel, None, "member", status.value))
            else:
                rows += [(tenant_id, event.pk, member_id, channel, pk, str(pk), DeliveryStatus.QUEUED.value)
                         for pk in destinations.get((tenant_id, member_id, channel), [])]
    return rows


def _destinations_of(*, tenant_ids: set[int], member_ids: set[int],
                     channels: set[str]) -> dict[tuple[int, int, str], list[int]]:
    """The ids of the members' enabled destinations on `channels`, by (tenant, member, channel), oldest first."""
    found: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    if channels:
        for tenant_id, member_id, channel, pk in (
                Destination.objects.filter(tenant_id__in=tenant_ids, member_id__in=member_ids, channel__in=channels,
                                           disabled_at=None).order_by("pk")
                .values_list("tenant_id", "member_id", "channel", "pk")):
            found[(tenant_id, member_id, channel)].append(pk)
    return found


def _deliveries_insert(rows: list[DeliveryRow], *, now: datetime) -> list[tuple[int, str, str]]:
    """Insert the deliveries not stored yet, each with a new idempotency key; (id, channel, status) of those
    inserted.
    On PostgreSQL the rows travel as one JSON array, as alerts.event_books sends events (one statement for
    thousands); elsewhere in VALUES statements of ROWS_PER_STATEMENT rows."""
    adapt = connection.ops.adapt_datetimefield_value
    inserted: list[tuple[int, str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(DELIVERY_INSERT_HEAD + DELIVERIES_FROM_JSON + DELIVERY_INSERT_TAIL,
                           [now, now, now, json.dumps(rows)])
            return [(pk, channel, status) for pk, channel, status in cursor.fetchall()]
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(DELIVERY_COLUMNS)) + ")"] * len(chunk))
            cursor.execute(DELIVERY_INSERT_HEAD + "VALUES " + placeholders + DELIVERY_INSERT_TAIL,
                           [value for row in chunk for value in (*row, uuid.uuid4().hex, False, 0, "", adapt(now),
                                                                 adapt(now), adapt(now))])
            inserted += cursor.fetchall()
    return inserted


def deliveries_queue(*, deliveries: list[tuple[int, str]]) -> None:
    """Send the tasks of the deliveries, given as (id, channel), by name, to the `alerts` queue in one group:
    one `delivery_send` for a delivery alone, one `deliveries_send` for each chunk of a channel's
    `sends_per_task`. A failing send is logged: the deliveries stay queued and `deliveries_due_queue`
    sends them again."""
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in deliveries:
        by_channel[channel].append(pk)
    chunks = [ids[start:start + CHANNEL_CLASSES[channel].sends_per_task] for channel, ids in by_channel.items()
              for start in range(0, len(ids), CHANNEL_CLASSES[channel].sends_per_task)]
    if not chunks:
        return
    try:  # each message's kwargs written for the logs by hand: Celery's own repr walked every id (a tenth of the time)
        group(current_app.signature(DELIVERY_SEND_TASK, kwargs={"delivery_id": chunk[0]}, queue="alerts")
              if len(chunk) == 1 else
              current_app.signature(DELIVERIES_SEND_TASK, kwargs={"delivery_ids": chunk}, queue="alerts",
                                    kwargsrepr=f"{{'delivery_ids': <{len(chunk)} ids from {chunk[0]}>}}")
              for chunk in chunks).apply_async()
    except Exception:
        logger.exception("queueing deliveries %s failed; the due sweep will queue them", deliveries)


def deliveries_due_queue(*, now: datetime | None = None) -> int:
    """Queue every delivery a worker should take now: retries that are due, queued ones whose message
    was lost, and claims that expired with their worker. Returns how many."""
    now = now or timezone.now()
    due = (Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
           | Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now - LOST_MESSAGE_GRACE)
           | Q(status=DeliveryStatus.SENDING, claimed_until__lt=now))
    due_now = list(Delivery.objects.filter(due).order_by("next_attempt_at").values_list("pk", "channel")[:DUE_BATCH])
    deliveries_queue(deliveries=due_now)
    return len(due_now)


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
    delivery = (Delivery.objects.select_related("tenant", "member", "destination", "event")
                .filter(pk=delivery_id).first())
    if delivery is None or (delivery.event_id is not None and delivery.event is None):  # its member or event is gone
        Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.FAILED, claimed_until=None,
                                                      last_error="Its member or its alert was deleted.")
        return None
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
        transaction.on_commit(lambda: deliveries_queue(deliveries=[(delivery.pk, delivery.channel)]))
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
        transaction.on_commit(lambda: deliveries_queue(deliveries=[(delivery.pk, delivery.channel)]))
    return delivery
