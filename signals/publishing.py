"""Publishing: a signal becomes visible to each entitled tier at once or after the tier's delay.

Every tier's copy is a SignalPublication whose id is the feed's sequence number. A tier without a
delay gets its copy marked published in the signal's own transaction and sent to the channel layer
group `signals.<tier>` from memory after the commit. Delayed copies are released later, one releaser
per tier at a time (a transaction-scoped lock per tier), each release taking every unreleased copy up
to the highest due one in seq order: so a tier's releases commit in seq order, which the live feed
relies on (a copy committed after a later one would reach no socket, and a resume after the later one
would miss it), and a release runs once however many workers try.

When a publication becomes visible, each task named in SIGNAL_PUBLISHED_TASKS is sent, by name, with
its publication_id, signal_id and tier: alerts and portfolios react to a new signal that way, and
this module imports neither.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app, group
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from billing.entitlements import Entitlements, plans_covering
from billing.models import Plan
from config.channel_sender import group_send_many
from signals.list_cache import signal_list_changed
from signals.models import Signal, SignalPublication
from signals.payloads import signal_payload_for_tier

FEED_MESSAGE_TYPE = "signal.published"
logger = logging.getLogger(__name__)


def tier_group_name(tier: str) -> str:
    """The channel layer group of a tier's live feed."""
    return f"signals.{tier}"


def publications_schedule(*, signal: Signal) -> list[SignalPublication]:
    """Create one publication per entitled tier, visible after that tier's delay. The ones visible at
    once are stored as published and sent when the signal's transaction commits."""
    entitled = plans_covering(symbol=signal.instrument.symbol, asset_class=signal.asset_class,
                              timeframe=signal.timeframe)
    publications = []
    for plan, entitlements in entitled:
        visible_at = signal.created_at + timedelta(seconds=entitlements.signal_delay_seconds)
        published_at = signal.created_at if visible_at <= signal.created_at else None
        publications.append(SignalPublication(signal=signal, tier=plan.code, visible_at=visible_at,
                                              published_at=published_at))
    created = SignalPublication.objects.bulk_create(publications)
    by_tier = {plan.code: entitlements for plan, entitlements in entitled}
    visible = [p for p in created if p.published_at]
    if visible:
        signal_list_changed()
    messages = [(tier_group_name(p.tier), feed_message(p, by_tier[p.tier])) for p in visible]
    if messages:
        transaction.on_commit(lambda: group_send_many(messages), robust=True)
    task_names = settings.SIGNAL_PUBLISHED_TASKS
    if visible and task_names:
        transaction.on_commit(lambda: signal_published_send(task_names=task_names, publications=visible))
    return created


RELEASE_LOCK_CLASS = 0x4252_4C53  # with the tier's hash, names the advisory lock of its releases
RELEASE_BATCH = 500


def publications_release_due(*, now=None) -> int:
    """Send every publication whose time has come and that nobody sent yet, tier by tier, in seq order;
    returns how many."""
    now = now or timezone.now()
    tiers = sorted(set(SignalPublication.objects.filter(published_at=None, visible_at__lte=now)
                       .values_list("tier", flat=True)))
    return sum(_tier_release(tier=tier, now=now) for tier in tiers)


def _tier_release(*, tier: str, now) -> int:
    """Release the tier's unreleased publications up to its highest due one (a copy made visible a little
    later than a newer one goes out with it, not after it), in batches of RELEASE_BATCH, each claimed and
    committed under the tier's lock; messages go to the channel layer after each commit."""
    released = 0
    while True:
        with transaction.atomic():
            tier_release_lock(tier)
            unreleased = SignalPublication.objects.filter(tier=tier, published_at=None)
            highest = unreleased.filter(visible_at__lte=now).aggregate(highest=Max("id"))["highest"]
            if highest is None:
                return released
            due = list(unreleased.filter(id__lte=highest)
                       .select_related("signal__instrument", "signal__strategy", "signal__model_version")
                       .order_by("id")[:RELEASE_BATCH])
            SignalPublication.objects.filter(pk__in=[p.pk for p in due]).update(published_at=now)
            signal_list_changed()
        plan = Plan.objects.filter(code=tier).first()
        if plan is not None:
            entitlements = Entitlements.from_plan(plan)
            group_send_many([(tier_group_name(tier), feed_message(p, entitlements)) for p in due])
        signal_published_send(task_names=settings.SIGNAL_PUBLISHED_TASKS, publications=due)
        released += len(due)
        if len(due) < RELEASE_BATCH:
            return released


def tier_release_lock(tier: str) -> None:
    """Serialise the tier's releases until this transaction ends: PostgreSQL takes an advisory lock;
    SQLite's IMMEDIATE transactions (see settings) already hold the database's single write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [RELEASE_LOCK_CLASS, tier])


def signal_published_send(*, task_names: list[str], publications: list[SignalPublication]) -> None:
    """Send each task of `task_names`, by name, once per publication now visible, all in one group
    over one broker connection (about 0.4 ms a message on Redis, measured). A failing send is logged
    and publishing goes on: the publications stay published and their feed messages sent."""
    signatures = [current_app.signature(name, kwargs={"publication_id": p.pk, "signal_id": p.signal_id,
                                                      "tier": p.tier})
                  for p in publications for name in task_names]
    if not signatures:
        return
    try:
        group(signatures).apply_async()
    except Exception:
        logger.exception("sending %s for publications %s failed", task_names, [p.pk for p in publications])


def feed_message(publication: SignalPublication, entitlements: Entitlements) -> dict:
    """The live feed envelope of a publication: {"type", "seq", "data"}."""
    return {
        "type": FEED_MESSAGE_TYPE,
        "seq": publication.pk,
        "data": signal_payload_for_tier(publication.signal, entitlements=entitlements),
    }
