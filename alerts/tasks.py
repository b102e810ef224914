"""Celery tasks of alert deliveries (queue `alerts`): thin, they take ids and call services."""

from __future__ import annotations

from celery import shared_task

from alerts import deliveries, digests, telegram_linking


@shared_task(name=deliveries.DELIVERY_SEND_TASK, acks_late=True, ignore_result=True)
def delivery_send(*, delivery_id: int) -> None:
    """One attempt of one delivery; a no-op if it is sent, not due, or another worker has it."""
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
