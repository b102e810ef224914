"""Celery tasks of backtests (routed to the `backtests` queue by config.settings' task routes)."""

from __future__ import annotations

from celery import shared_task

from backtests import services


@shared_task(name=services.RUN_TASK, acks_late=True, ignore_result=True)
def backtest_run(*, backtest_id: int) -> None:
    """Run one queued backtest (claimed once: a second delivery is a no-op)."""
    services.backtest_execute(backtest_id=backtest_id)
