"""The news app's periodic tasks in django-celery-beat, created or updated idempotently: the feeds and
Alpha Vantage every NEWS_POLL_SECONDS (paused when it is 0). Found by config.beat_schedules by name."""

from __future__ import annotations

from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.beat_schedules import periodic_task_ensure

SCHEDULES = {"news-poll-feeds": "news.tasks.poll_feeds", "news-poll-alphavantage": "news.tasks.poll_alphavantage"}


def periodic_tasks_sync() -> None:
    for name, task in SCHEDULES.items():
        if settings.NEWS_POLL_SECONDS > 0:
            periodic_task_ensure(name=name, task=task, queue="ingest", every_seconds=settings.NEWS_POLL_SECONDS)
        else:
            PeriodicTask.objects.filter(name=name).update(enabled=False)
