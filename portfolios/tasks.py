"""Celery tasks of paper portfolios (queue `portfolios`): thin, they take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from config.epoch import utc_from_epoch
from portfolios import following, processing


@shared_task(name="portfolios.tasks.portfolios_on_bar_closed", acks_late=True, ignore_result=True)
def portfolios_on_bar_closed(*, instrument_id: int, timeframe: str, time: int) -> None:
    """A bar closed (BAR_CLOSED_TASKS): fill the orders of its instrument and timeframe, mark the portfolios
    holding it to market; once per bar."""
    processing.bar_closed_process(instrument_id=instrument_id, timeframe=timeframe, bar_time=utc_from_epoch(time))


@shared_task(name="portfolios.tasks.portfolios_on_signal_published", acks_late=True, ignore_result=True)
def portfolios_on_signal_published(*, publication_id: int, signal_id: int, tier: str) -> None:
    """A signal became visible to a tier (SIGNAL_PUBLISHED_TASKS): the portfolios that follow it place its
    bracket; once per portfolio and signal."""
    following.signal_follow(publication_id=publication_id)
