"""Celery tasks of alerts (queue `alerts`): thin, they take ids and call alerts.firing (rules fired by
what happened) or the deliveries' modules (an event's alerts sent, retried, digested)."""

from __future__ import annotations

from celery import shared_task

from alerts import deliveries, digests, firing, telegram_linking
from config.epoch import utc_from_epoch
from watchlists.services import prices_announce


@shared_task(name="alerts.tasks.alerts_on_bar_closed", acks_late=True, ignore_result=True)
def alerts_on_bar_closed(*, instrument_id: int, timeframe: str, time: int) -> None:
    """A bar closed (BAR_CLOSED_TASKS): evaluate the bar rules of its instrument and of the others whose
    same bar closed."""
    firing.bar_closed_evaluate(instrument_id=instrument_id, timeframe=timeframe, bar_time=utc_from_epoch(time))


@shared_task(name=firing.PRICES_ANNOUNCE_TASK, acks_late=True, ignore_result=True)
def prices_on_bar_closed(*, instrument_ids: list[int], timeframe: str, time: int) -> None:
    """The bars of a close the evaluation claimed, on the live feed's `market` stream (watchlist pages)."""
    prices_announce(instrument_ids=instrument_ids, timeframe=timeframe, bar_time=utc_from_epoch(time))


@shared_task(name="alerts.tasks.alerts_on_signal_published", acks_late=True, ignore_result=True)
def alerts_on_signal_published(*, publication_id: int, signal_id: int, tier: str) -> None:
    """A signal became visible to a tier (SIGNAL_PUBLISHED_TASKS): fire the signal rules of its tenants."""
    firing.signal_published_evaluate(publication_id=publication_id)


@shared_task(name="alerts.tasks.alerts_on_outcomes", acks_late=True, ignore_result=True)
def alerts_on_outcomes() -> None:
    """Fire the outcome rules of the signal outcomes recorded since the last run (on beat)."""
    firing.outcomes_evaluate_new()


@shared_task(name=deliveries.DELIVERY_SEND_TASK, acks_late=True, ignore_result=True)
def delivery_send(*, delivery_id: int) -> None:
    """One attempt of one delivery; a no-op if it is sent, not due, or another worker has it."""
    deliveries.delivery_attempt(delivery_id=delivery_id)


@shared_task(name=deliveries.DELIVERIES_SEND_TASK, acks_late=True, ignore_result=True)
def deliveries_send(*, delivery_ids: list[int]) -> None:
    """One attempt of each delivery (of one quick channel), one after the other; as delivery_send for each."""
    for delivery_id in delivery_ids:
        deliveries.delivery_attempt(delivery_id=delivery_id)


@shared_task(name="alerts.tasks.deliveries_due_send", acks_late=True, ignore_result=True)
def deliveries_due_send() -> None:
    """Queue due retries, queued deliveries whose message was lost, and claims whose worker died."""
    deliveries.deliveries_due_queue()


@shared_task(name="alerts.tasks.digests_send", acks_late=True, ignore_result=True)
def digests_send() -> None:
    """Send the email digests that are due."""
    digests.digests_send()


@shared_task(name="alerts.tasks.telegram_updates_poll", acks_late=True, ignore_result=True)
def telegram_updates_poll() -> None:
    """Link chats from the bot's new updates (when Telegram cannot reach a webhook of ours)."""
    telegram_linking.telegram_updates_poll()
