from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

BEAT_HEARTBEAT_KEY = "beacon:beat:last-tick"


@shared_task(name="config.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Record that beat scheduled and a worker ran a task; /healthz reads it."""
    cache.set(BEAT_HEARTBEAT_KEY, timezone.now().timestamp(), timeout=3600)
