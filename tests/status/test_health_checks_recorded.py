"""A health check a minute: /healthz's checks and the data's freshness, stored once per minute."""

import time
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django_celery_beat.models import PeriodicTask

from config.beat_schedules import beat_schedules_sync
from config.tasks import BEAT_HEARTBEAT_KEY
from status.models import HealthCheck
from status.services import health_check_record
from status.tasks import health_check

NOW = datetime(2026, 12, 3, 10, 15, 42, tzinfo=UTC)


def test_a_check_records_what_healthz_answers(db):
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=600)

    check = health_check_record(now=NOW)

    assert check.ok is True and check.checked_at == NOW.replace(second=0)
    assert set(check.checks) == {"database", "cache", "beat"} and check.failing == []


def test_a_check_without_a_beat_heartbeat_fails_naming_beat(db):
    check = health_check_record(now=NOW)

    assert check.ok is False and check.failing == ["beat"]
    assert "no heartbeat" in check.checks["beat"]["error"]


def test_a_second_check_in_the_same_minute_writes_nothing(db):
    health_check_record(now=NOW)

    assert health_check_record(now=NOW + timedelta(seconds=15)) is None
    assert HealthCheck.objects.count() == 1


def test_beat_runs_the_check_every_minute_and_the_task_records_it(db, settings):
    beat_schedules_sync()
    task = PeriodicTask.objects.get(name="status-health-check")
    assert (task.task, task.interval.every, task.enabled) == ("status.tasks.health_check", 60, True)

    health_check()

    assert HealthCheck.objects.count() == 1
