"""Celery tasks of the engine (queue `engine`): thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from config.epoch import utc_from_epoch
from signals import confidence, publishing, scheduling, services


@shared_task(name="signals.tasks.engine_run_tier", acks_late=True, ignore_result=True)
def engine_run_tier(tier: str) -> None:
    """A tier's scheduled run: find pairs with a new closed bar and fan them out."""
    scheduling.engine_run_start(tier=tier)


@shared_task(name=scheduling.ENGINE_COMPUTE_CHUNK_TASK, acks_late=True, ignore_result=True)
def engine_compute_chunk(*, run_id: int, strategy_id: int, pairs: list) -> None:
    """Compute one chunk of (instrument id, timeframe, bar epoch seconds) pairs of a run."""
    services.engine_compute_chunk(run_id=run_id, strategy_id=strategy_id,
                                  pairs=[(i, tf, utc_from_epoch(t)) for i, tf, t in pairs])


@shared_task(name="signals.tasks.engine_on_bar_closed", acks_late=True, ignore_result=True)
def engine_on_bar_closed(*, instrument_id: int, timeframe: str, time: int) -> None:
    """A bar closed: compute its pair now rather than at the next scheduled run."""
    scheduling.engine_run_on_bar_close(instrument_id=instrument_id, timeframe=timeframe,
                                       bar_time=utc_from_epoch(time))


@shared_task(name="signals.tasks.on_bar_closed", acks_late=True, ignore_result=True)
def on_bar_closed(*, instrument_id: int, timeframe: str, time: int) -> None:
    """A bar closed: evaluate the open signals of that instrument and timeframe."""
    services.outcomes_evaluate(instrument_id=instrument_id, timeframe=timeframe,
                               closed_bar_time=utc_from_epoch(time))


@shared_task(name="signals.tasks.publications_release", acks_late=True, ignore_result=True)
def publications_release() -> None:
    """Release delayed publications whose time has come (Free tier's delay)."""
    publishing.publications_release_due()


@shared_task(name="signals.tasks.model_retrain", acks_late=True, ignore_result=True)
def model_retrain() -> None:
    """Retrain the confidence model of the active strategy on all closed history."""
    confidence.model_train()
