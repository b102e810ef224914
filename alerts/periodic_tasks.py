"""The alerts app's periodic task in django-celery-beat (found by config.beat_schedules by its name)."""

from __future__ import annotations

from config.beat_schedules import periodic_task_ensure

OUTCOMES_EVERY_SECONDS = 15


def periodic_tasks_sync() -> None:
    """Outcome rules read the recorded outcomes every OUTCOMES_EVERY_SECONDS."""
    periodic_task_ensure(name="alerts-outcomes", task="alerts.tasks.alerts_on_outcomes",
                         every_seconds=OUTCOMES_EVERY_SECONDS, queue="alerts")
