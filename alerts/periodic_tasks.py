"""The alerts app's periodic tasks in django-celery-beat, created or updated idempotently (found by
config.beat_schedules by this module's name)."""

from __future__ import annotations

from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.beat_schedules import periodic_task_ensure

OUTCOMES_EVERY_SECONDS = 15
TELEGRAM_POLL = "alerts-telegram-updates-poll"


def periodic_tasks_sync() -> None:
    """Outcome rules read the recorded outcomes every OUTCOMES_EVERY_SECONDS; the due sweep of deliveries,
    the email digests, and Telegram polling where it is configured."""
    periodic_task_ensure(name="alerts-outcomes", task="alerts.tasks.alerts_on_outcomes",
                         every_seconds=OUTCOMES_EVERY_SECONDS, queue="alerts")
    periodic_task_ensure(name="alerts-deliveries-due", task="alerts.tasks.deliveries_due_send", every_seconds=10,
                         queue="alerts")
    periodic_task_ensure(name="alerts-digests", task="alerts.tasks.digests_send", every_seconds=60, queue="alerts")
    if settings.TELEGRAM_UPDATES_POLLING and settings.TELEGRAM_BOT_TOKEN:
        periodic_task_ensure(name=TELEGRAM_POLL, task="alerts.tasks.telegram_updates_poll", every_seconds=5,
                             queue="alerts")
    else:
        PeriodicTask.objects.filter(name=TELEGRAM_POLL).delete()
