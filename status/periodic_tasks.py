"""The status app's periodic task in django-celery-beat, created or updated idempotently.

`config.beat_schedules` finds this module by its name (as the admin finds admin.py).
"""

from __future__ import annotations

from config.beat_schedules import periodic_task_ensure

HEALTH_CHECK_SECONDS = 60


def periodic_tasks_sync() -> None:
    """Every minute: record a health check for the status page."""
    periodic_task_ensure(name="status-health-check", task="status.tasks.health_check",
                         every_seconds=HEALTH_CHECK_SECONDS)
