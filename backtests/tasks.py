"""Celery tasks of backtests (routed to the `backtests` queue by config.settings' task routes)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from backtests import chunks, services


@shared_task(name=services.RUN_TASK, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def backtest_run(self, *, backtest_id: int) -> None:
    """Run one queued backtest (claimed once: a second delivery is a no-op). A redelivery while another
    worker still reports progress on it asks again after BACKTESTS_STALE_SECONDS, in case that worker died."""
    if not services.backtest_execute(backtest_id=backtest_id):
        raise self.retry(countdown=settings.BACKTESTS_STALE_SECONDS)


@shared_task(name=chunks.CHUNK_TASK, acks_late=True, ignore_result=True)
def backtest_chunk_run(*, chunk_id: int) -> None:
    """Evaluate one chunk of an optimisation's parameter sets (claimed once: a second delivery is a no-op)."""
    chunks.backtest_chunk_execute(chunk_id=chunk_id)
