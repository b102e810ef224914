"""Engine runs: which pairs have a new closed bar, computed once, fanned out in chunks.

A bar closing starts a run for its pair at once (the closed-bar event's task). A tier's scheduled
run (on Beat, every `engine_cadence_seconds` of its plan) catches up on whatever no event started:
bars ingested without events, events lost while no worker ran. Either finds the (instrument,
timeframe) pairs whose newest closed bar is newer than the engine's cursor, records an EngineRun,
computes the first chunk of pairs itself and sends the others to workers as a Celery group. A chunk
claims each pair by advancing the cursor with a conditional UPDATE, so a pair is computed once per
bar however many runs want it; the signal it yields is published to every entitled tier.

This module only orchestrates: the reads are in signals.selectors, the books of a run (its record,
the claims, the chunks' counts) in signals.run_books, the computing in signals.services, and the
chunks reach the workers' task by its name, so nothing here imports signals.tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import current_app, group
from django.db import transaction
from django.utils import timezone

from billing.entitlements import Entitlements, plans_covering
from billing.models import Plan
from market.models import Instrument
from market.timeframes import Timeframe
from signals.models import EngineRun, RunTrigger, Strategy
from signals.run_books import engine_run_create
from signals.selectors import engine_universe, pairs_with_new_closed_bar, strategy_active
from signals.services import engine_compute_pairs

CHUNK_SIZE = 25
ENGINE_COMPUTE_CHUNK_TASK = "signals.tasks.engine_compute_chunk"  # kwargs run_id, strategy_id, pairs


def engine_run_start(*, tier: str, now: datetime | None = None) -> EngineRun | None:
    """A tier's scheduled run: every pair of its universe with a new closed bar. None if the plan or
    the active strategy is gone."""
    now = now or timezone.now()
    plan = Plan.objects.filter(code=tier).first()
    strategy = strategy_active()
    if plan is None or strategy is None:
        return None
    entitlements = Entitlements.from_plan(plan)
    pairs = pairs_with_new_closed_bar(strategy=strategy, instruments=engine_universe(entitlements=entitlements),
                                      timeframes=entitlements.timeframes, now=now)
    return _run(tier=tier, trigger=RunTrigger.SCHEDULE, strategy=strategy, pairs=pairs, now=now)


def engine_run_on_bar_close(*, instrument_id: int, timeframe: str, bar_time: datetime) -> EngineRun | None:
    """The pair's bar opened at `bar_time` closed: compute the pair now, at its newest closed bar, rather
    than at the next scheduled run. The run is recorded for the tier with the shortest cadence whose
    universe covers the pair (the one whose schedule would have computed it first). None, and no run
    recorded, if no plan covers the pair or a run has computed it already (the events of a catch-up
    poll: the first computes the newest bar, the others find it done)."""
    now = max(timezone.now(), bar_time + timedelta(seconds=Timeframe(timeframe).seconds))  # it has closed
    instrument = Instrument.objects.filter(pk=instrument_id, active=True).first()
    strategy = strategy_active()
    if instrument is None or strategy is None:
        return None
    covering = plans_covering(symbol=instrument.symbol, asset_class=instrument.asset_class, timeframe=timeframe)
    if not covering:
        return None
    plan = min((plan for plan, _ in covering), key=lambda plan: plan.engine_cadence_seconds)
    pairs = pairs_with_new_closed_bar(strategy=strategy, instruments=[instrument], timeframes=[timeframe], now=now)
    if not pairs:
        return None
    return _run(tier=plan.code, trigger=RunTrigger.BAR_CLOSE, strategy=strategy, pairs=pairs, now=now,
                tiers_served=[plan.code for plan, _ in covering])


def _run(*, tier: str, trigger: str, strategy: Strategy, pairs: list[tuple[int, str, datetime]],
         now: datetime, tiers_served: list[str] | None = None) -> EngineRun:
    """Record a run, fan its chunks but the first out to workers as a group after the commit, and
    compute the first one here: a run of one chunk (a bar closing on a few pairs) then costs no
    broker round trip and no wait for a free worker."""
    chunks = [pairs[i:i + CHUNK_SIZE] for i in range(0, len(pairs), CHUNK_SIZE)]
    # One transaction with the first chunk: a worker killed while computing it leaves no run and no
    # claimed pair, and the redelivered task starts the run afresh.
    with transaction.atomic():
        run = engine_run_create(tier=tier, trigger=trigger, started_at=now, pairs_wanted=len(pairs),
                                chunks_total=len(chunks), tiers_served=tiers_served)
        if not chunks:
            return run
        jobs = [[(i, tf, t.timestamp()) for i, tf, t in chunk] for chunk in chunks[1:]]
        if jobs:  # after the commit: a worker must find the run
            transaction.on_commit(lambda: _send_chunks(run.pk, strategy.pk, jobs))
        engine_compute_pairs(run_id=run.pk, strategy=strategy, pairs=chunks[0])
    return run


def _send_chunks(run_id: int, strategy_id: int, jobs) -> None:
    # By name, as closed-bar events are sent (market.services): a signature runs a task registered
    # in this process as configured (eagerly in tests) and sends one known only by name to the broker.
    group(current_app.signature(ENGINE_COMPUTE_CHUNK_TASK, kwargs={"run_id": run_id, "strategy_id": strategy_id,
                                                                   "pairs": chunk})
          for chunk in jobs).apply_async()

