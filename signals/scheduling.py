"""Per-tier engine runs: which pairs have a new closed bar, computed once, fanned out in chunks.

A tier's run (on its Beat schedule, every `engine_cadence_seconds` of its plan) finds the
(instrument, timeframe) pairs of its universe whose newest closed bar is newer than the engine's
cursor, records an EngineRun, and sends the pairs in chunks to workers as a Celery group. A chunk
claims each pair by advancing the cursor with a conditional UPDATE, so a pair that several tiers
want is computed once per bar; the signal it yields is published to every entitled tier.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from billing.entitlements import Entitlements
from billing.models import Plan
from config.beat_schedules import periodic_task_ensure
from market.models import Bar, Instrument
from market.timeframes import Timeframe
from signals.models import EngineCursor, EngineError, EngineRun, Strategy

CHUNK_SIZE = 25


def engine_universe(*, entitlements: Entitlements) -> list[Instrument]:
    """Active instruments of the plan's universe."""
    instruments = Instrument.objects.filter(active=True, asset_class__in=entitlements.asset_classes)
    if entitlements.instruments:
        instruments = instruments.filter(symbol__in=entitlements.instruments)
    return list(instruments.order_by("symbol"))


def pairs_with_new_closed_bar(*, strategy: Strategy, instruments: list[Instrument], timeframes, now: datetime,
                              ) -> list[tuple[int, str, datetime]]:
    """(instrument id, timeframe, newest closed bar time) for pairs the engine has not computed yet.

    One query: per instrument, a correlated subquery per timeframe reads its newest closed bar from
    the end of the (instrument, timeframe, time) index, so the cost grows with instruments x
    timeframes, not with the bars stored."""
    timeframes = sorted(timeframes)
    if not instruments or not timeframes:
        return []
    cursors = {
        (c.instrument_id, c.timeframe): c.last_bar_time
        for c in EngineCursor.objects.filter(strategy=strategy, instrument__in=instruments)
    }
    newest = {
        f"newest_{timeframe}": Subquery(
            Bar.objects.filter(instrument=OuterRef("pk"), timeframe=timeframe,
                               time__lte=now - timedelta(seconds=Timeframe(timeframe).seconds))
            .order_by("-time").values("time")[:1])
        for timeframe in timeframes
    }
    pairs = []
    for row in Instrument.objects.filter(pk__in=[i.pk for i in instruments]).annotate(**newest).values("pk", *newest):
        for timeframe in timeframes:
            bar_time, seen = row[f"newest_{timeframe}"], cursors.get((row["pk"], timeframe))
            if bar_time is not None and (seen is None or bar_time > seen):
                pairs.append((row["pk"], timeframe, bar_time))
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def strategy_active() -> Strategy:
    return Strategy.objects.filter(is_active=True).order_by("name", "-version").first()


def engine_run_start(*, tier: str, now: datetime | None = None) -> EngineRun | None:
    """Record a run for the tier and queue its chunks after the commit; None if the plan is gone."""
    from signals.tasks import engine_compute_chunk

    now = now or timezone.now()
    plan = Plan.objects.filter(code=tier).first()
    strategy = strategy_active()
    if plan is None or strategy is None:
        return None
    entitlements = Entitlements.from_plan(plan)
    pairs = pairs_with_new_closed_bar(strategy=strategy, instruments=engine_universe(entitlements=entitlements),
                                      timeframes=entitlements.timeframes, now=now)
    chunks = [pairs[i:i + CHUNK_SIZE] for i in range(0, len(pairs), CHUNK_SIZE)]
    with transaction.atomic():
        run = EngineRun.objects.create(tier=tier, started_at=now, pairs_wanted=len(pairs), chunks_total=len(chunks))
        if not chunks:
            EngineRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            return run
        jobs = [[(i, tf, t.timestamp()) for i, tf, t in chunk] for chunk in chunks]
        transaction.on_commit(lambda: _send_chunks(engine_compute_chunk, run.pk, strategy.pk, jobs))
    return run


def _send_chunks(task, run_id: int, strategy_id: int, jobs) -> None:
    from celery import group

    group(task.s(run_id=run_id, strategy_id=strategy_id, pairs=chunk) for chunk in jobs).apply_async()


def pair_claim(*, strategy_id: int, instrument_id: int, timeframe: str, bar_time: datetime) -> bool:
    """Advance the cursor to `bar_time` unless it is already there; True if this caller won the pair."""
    cursor, created = EngineCursor.objects.get_or_create(
        strategy_id=strategy_id, instrument_id=instrument_id, timeframe=timeframe,
        defaults={"last_bar_time": bar_time},
    )
    if created:
        return True
    return bool(EngineCursor.objects.filter(pk=cursor.pk, last_bar_time__lt=bar_time)
                .update(last_bar_time=bar_time))


def engine_run_record_chunk(*, run_id: int, computed: int, signals: int, errors: list[tuple[int, str, str]]) -> None:
    """Add a chunk's counts and errors to its run; the last chunk marks the run finished."""
    with transaction.atomic():
        EngineError.objects.bulk_create(
            EngineError(run_id=run_id, instrument_id=i, timeframe=tf, error=message[:4000]) for i, tf, message in errors
        )
        EngineRun.objects.filter(pk=run_id).update(
            pairs_computed=F("pairs_computed") + computed, signals_created=F("signals_created") + signals,
            error_count=F("error_count") + len(errors), chunks_done=F("chunks_done") + 1,
        )
        EngineRun.objects.filter(pk=run_id, chunks_done=F("chunks_total"), finished_at=None).update(
            finished_at=timezone.now())


def engine_schedules_sync() -> list[str]:
    """One periodic task per plan, every `engine_cadence_seconds`; idempotent. Returns their names."""
    names = []
    for plan in Plan.objects.all():
        name = f"engine-tier-{plan.code}"
        periodic_task_ensure(name=name, task="signals.tasks.engine_run_tier", queue="engine",
                             every_seconds=max(plan.engine_cadence_seconds, 10),
                             kwargs_json=json.dumps({"tier": plan.code}))
        names.append(name)
    return names
