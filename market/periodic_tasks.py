"""The market app's periodic tasks in django-celery-beat, created or updated idempotently: live polling
per timeframe (MARKET_LIVE_POLLING) and the demo replay (MARKET_DEMO_REPLAY).

`config.beat_schedules` finds this module by its name (as the admin finds admin.py).
"""

from __future__ import annotations

from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.beat_schedules import periodic_task_ensure


def periodic_tasks_sync() -> None:
    """Poll each configured timeframe; replay the demo while MARKET_DEMO_REPLAY is on, else pause it."""
    for timeframe, every in settings.MARKET_LIVE_POLLING.items():
        periodic_task_ensure(name=f"market-poll-{timeframe}", task="market.tasks.poll_live", queue="ingest",
                             every_seconds=every, kwargs_json=f'{{"timeframe": "{timeframe}"}}')
    if settings.MARKET_DEMO_REPLAY:
        periodic_task_ensure(name="market-demo-replay", task="market.tasks.replay_tick",
                             every_seconds=settings.MARKET_REPLAY_SECONDS_PER_BAR, queue="ingest")
    else:
        PeriodicTask.objects.filter(name="market-demo-replay").update(enabled=False)
