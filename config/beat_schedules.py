"""Periodic tasks that the platform itself needs, created idempotently in django-celery-beat.

Apps with schedules derived from data (e.g. the engine per tier) sync their own the same way, in a
module `<app>/periodic_tasks.py` with a `periodic_tasks_sync()`, found by its name as the admin
finds admin.py (apps.py cannot import it at module level: it loads before the models).
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from django_celery_beat.models import IntervalSchedule, PeriodicTask

PLATFORM_SCHEDULES = {
    "beacon-beat-heartbeat": ("config.tasks.beat_heartbeat", settings.BEAT_HEARTBEAT_SECONDS),
}


def periodic_task_ensure(*, name: str, task: str, every_seconds: int, queue: str | None = None,
                         kwargs_json: str = "{}") -> PeriodicTask:
    """Create or update the periodic task `name` to run `task` every `every_seconds`; idempotent."""
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_seconds, period=IntervalSchedule.SECONDS)
    periodic, _ = PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": task, "interval": interval, "crontab": None, "queue": queue, "kwargs": kwargs_json,
                  "enabled": True},
    )
    return periodic


def beat_schedules_sync() -> None:
    """Make sure every platform schedule exists; then let each app sync its own."""
    for name, (task, every) in PLATFORM_SCHEDULES.items():
        periodic_task_ensure(name=name, task=task, every_seconds=every)
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "periodic_tasks"):
            import_module(f"{config.name}.periodic_tasks").periodic_tasks_sync()
