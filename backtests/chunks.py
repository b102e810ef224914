"""An optimisation's candidates spread over the `backtests` queue's workers.

Each batch the search asks for is split into chunks of CHUNK_SIZE parameter sets, stored as
BacktestChunk rows and sent as one Celery group of `backtest_chunk_run` tasks (by the task's name, so
nothing here imports backtests.tasks). A chunk is claimed with a conditional UPDATE by whoever comes
first: a worker's task, or the run that asked for it, which claims and evaluates the chunks nobody has
taken while it waits. So the batch finishes even when every worker is busy (or there is none), and a
second delivery of a chunk's task is a no-op. The run reads the chunks' candidates back in order:
the search sees the same batches, in the same order, as when it evaluates them itself.

A chunk evaluates its sets on the run's own bars (loaded again, checked against the run's data hash)
with the same evaluator as the serial search (backtests.research.sma_evaluator). A chunk of a run that
is no longer running (cancelled) is left undone; the waiting run stops at its next check. A chunk whose
evaluation raised is queued again (the run then evaluates it itself, and fails with the error if it
raises there too); one claimed STALE_SECONDS ago by a process that died is queued again too.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta

from celery import current_app, group
from django.utils import timezone

from backtests.engine.optimisation import Candidate, Params
from backtests.engine.search import Evaluate
from backtests.engine.simulation import BacktestSettings
from backtests.engine.strategies import BacktestCancelled
from backtests.models import Backtest, BacktestChunk, BacktestChunkStatus, BacktestStatus
from backtests.parameters import params_parse
from backtests.research import sma_evaluator, sma_settings
from backtests.selectors import backtest_bars, bars_hash

CHUNK_TASK = "backtests.tasks.backtest_chunk_run"
CHUNK_SIZE = 2  # parameter sets per task: a SmaCross set over 2,000 bars is ~25 ms
WAIT_SECONDS = 0.02
CHECK_SECONDS = 0.25  # how often a waiting run asks whether it was cancelled
STALE_SECONDS = 120  # a chunk claimed this long ago by a process that died is queued again


def chunks_evaluator(*, backtest: Backtest, settings: BacktestSettings, should_stop: Callable[[], bool]) -> Evaluate:
    """Evaluate each batch over the workers (and here, for the chunks nobody took); `should_stop()` is asked
    while waiting: True raises BacktestCancelled."""
    params = params_parse(backtest.params)
    bars = backtest_bars(instrument=backtest.instrument, params=params)
    here = sma_evaluator(bars, instrument=backtest.instrument.spec, timeframe=params.timeframe, settings=settings,
                         objective=params.objective or "sqn")
    numbers = itertools.count(BacktestChunk.objects.filter(backtest=backtest).count())

    def evaluate(batch: list[Params]) -> list[Candidate]:
        chunks = [BacktestChunk.objects.create(backtest=backtest, number=next(numbers), params=batch[i:i + CHUNK_SIZE])
                  for i in range(0, len(batch), CHUNK_SIZE)]
        group(current_app.signature(CHUNK_TASK, kwargs={"chunk_id": chunk.pk}) for chunk in chunks).apply_async()
        ids = [chunk.pk for chunk in chunks]
        checked = 0.0
        while True:
            if time.monotonic() - checked > CHECK_SECONDS:
                checked = time.monotonic()
                if should_stop():
                    raise BacktestCancelled(f"stopped while waiting for the chunks of backtest {backtest.pk}")
                _requeue_stale(ids)
            unclaimed = _first_queued(ids)
            if unclaimed is not None:
                chunk_claim_and_run(chunk_id=unclaimed, evaluate=here)
                continue
            done = list(BacktestChunk.objects.filter(pk__in=ids, status=BacktestChunkStatus.DONE).order_by("number"))
            if len(done) == len(ids):
                return [_candidate(row) for chunk in done for row in chunk.candidates or []]
            time.sleep(WAIT_SECONDS)

    return evaluate


def backtest_chunk_execute(*, chunk_id: int) -> None:
    """A worker's part: evaluate one chunk on its run's bars, unless it was claimed already or its run stopped."""
    chunk = BacktestChunk.objects.select_related("backtest__instrument").filter(pk=chunk_id).first()
    if chunk is None or chunk.status != BacktestChunkStatus.QUEUED:
        return
    backtest = chunk.backtest
    if backtest.status != BacktestStatus.RUNNING:
        return
    params = params_parse(backtest.params)
    bars = backtest_bars(instrument=backtest.instrument, params=params)
    if bars_hash(bars) != backtest.data_hash:
        raise ValueError(f"the bars of backtest {backtest.pk} changed since it was asked for")
    spec = backtest.instrument.spec
    evaluate = sma_evaluator(bars, instrument=spec, timeframe=params.timeframe, settings=sma_settings(params, spec),
                             objective=params.objective or "sqn")
    chunk_claim_and_run(chunk_id=chunk.pk, evaluate=evaluate)


def chunk_claim_and_run(*, chunk_id: int, evaluate: Evaluate) -> bool:
    """Claim a queued chunk, evaluate its sets and store their candidates; whether this process ran it."""
    if not BacktestChunk.objects.filter(pk=chunk_id, status=BacktestChunkStatus.QUEUED).update(
            status=BacktestChunkStatus.RUNNING, worker=f"{socket.gethostname()}:{os.getpid()}",
            claimed_at=timezone.now()):
        return False
    chunk = BacktestChunk.objects.get(pk=chunk_id)
    try:
        candidates = evaluate(list(chunk.params))
    except Exception:
        BacktestChunk.objects.filter(pk=chunk_id, status=BacktestChunkStatus.RUNNING).update(
            status=BacktestChunkStatus.QUEUED)
        raise
    BacktestChunk.objects.filter(pk=chunk_id).update(status=BacktestChunkStatus.DONE, candidates=[
        {"params": c.params, "value": c.value, "metrics": c.metrics} for c in candidates])
    return True


def _first_queued(ids: list[int]) -> int | None:
    return (BacktestChunk.objects.filter(pk__in=ids, status=BacktestChunkStatus.QUEUED).order_by("number")
            .values_list("pk", flat=True).first())


def _requeue_stale(ids: list[int]) -> None:
    """Queue again the chunks claimed STALE_SECONDS ago and not done: their process died."""
    BacktestChunk.objects.filter(pk__in=ids, status=BacktestChunkStatus.RUNNING,
                                 claimed_at__lt=timezone.now() - timedelta(seconds=STALE_SECONDS)).update(
        status=BacktestChunkStatus.QUEUED)


def _candidate(row: dict) -> Candidate:
    return Candidate(params=row["params"], value=row["value"], metrics=row["metrics"])
