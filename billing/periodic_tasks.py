"""The billing app's periodic tasks in django-celery-beat, created or updated idempotently.

`config.beat_schedules` finds this module by its name (as the admin finds admin.py).
"""

from __future__ import annotations

from config.beat_schedules import periodic_task_ensure

USAGE_FLUSH_SECONDS = 300


def periodic_tasks_sync() -> None:
    """Daily: tell the owners of tenants whose grace period ended that they are on Free now. Every five
    minutes: move the API calls counted in the cache into the usage table (billing.usage)."""
    periodic_task_ensure(name="billing-downgrades-notify", task="billing.tasks.downgrades_notify",
                         every_seconds=24 * 3600)
    periodic_task_ensure(name="billing-usage-flush", task="billing.tasks.usage_flush",
                         every_seconds=USAGE_FLUSH_SECONDS)
