"""Celery tasks of alerts (queue `alerts`): thin, they take ids and call alerts.firing."""

from __future__ import annotations

from celery import shared_task

from alerts import firing
from config.epoch import utc_from_epoch


@shared_task(name="alerts.tasks.alerts_on_bar_closed", acks_late=True, ignore_result=True)
def alerts_on_bar_closed(*, instrument_id: int, timeframe: str, time: int) -> None:
    """A bar closed (BAR_CLOSED_TASKS): evaluate the bar rules of its instrument and of the others whose
    same bar closed."""
    firing.bar_closed_evaluate(instrument_id=instrument_id, timeframe=timeframe, bar_time=utc_from_epoch(time))


@shared_task(name="alerts.tasks.alerts_on_signal_published", acks_late=True, ignore_result=True)
def alerts_on_signal_published(*, publication_id: int, signal_id: int, tier: str) -> None:
    """A signal became visible to a tier (SIGNAL_PUBLISHED_TASKS): fire the signal rules of its tenants."""
    firing.signal_published_evaluate(publication_id=publication_id)


@shared_task(name="alerts.tasks.alerts_on_outcomes", acks_late=True, ignore_result=True)
def alerts_on_outcomes() -> None:
    """Fire the outcome rules of the signal outcomes recorded since the last run (on beat)."""
    firing.outcomes_evaluate_new()
