"""Celery's named queues, routes and platform schedules.

The embedded worker and beat are proven end to end in test_serve_embedded.py (a real process).
"""

import re
import time
from pathlib import Path

import pytest

from config.beat_schedules import beat_schedules_sync
from config.celery_app import app


def test_tasks_are_routed_to_their_named_queues():
    routes = app.conf.task_routes

    assert {q.name for q in app.conf.task_queues} == {"default", "ingest", "engine", "alerts", "backtests",
                                                      "portfolios"}
    assert routes["market.tasks.*"] == {"queue": "ingest"}
    assert routes["portfolios.tasks.*"] == {"queue": "portfolios"}
    assert routes["signals.tasks.*"] == {"queue": "engine"}
    assert app.conf.task_acks_late is True


def test_the_engine_queue_carries_only_the_live_path_and_has_a_worker_of_its_own():
    def queue(task_name: str) -> str:
        return app.amqp.router.route({}, task_name, (), {})["queue"].name

    assert queue("signals.tasks.engine_on_bar_closed") == queue("signals.tasks.engine_compute_chunk") == "engine"
    assert queue("signals.tasks.model_retrain") == "default"  # minutes of batch work, not on the live path
    root = Path(__file__).resolve().parents[2]
    for runner in ("Procfile", "compose.yaml"):
        queue_lists = re.findall(r'--queues"?,? "?([a-z,]+)', (root / runner).read_text())
        assert len(queue_lists) == 2, runner
        assert [queues for queues in queue_lists if "engine" in queues.split(",")] == ["engine"], runner
        assert any("portfolios" in queues.split(",") for queues in queue_lists), runner  # a worker takes it


def test_platform_schedules_are_created_once_however_often_synced(db):
    from django_celery_beat.models import PeriodicTask

    beat_schedules_sync()
    beat_schedules_sync()

    heartbeat = PeriodicTask.objects.get(name="beacon-beat-heartbeat")
    assert heartbeat.task == "config.tasks.beat_heartbeat"
    assert PeriodicTask.objects.filter(name="beacon-beat-heartbeat").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as in a worker
def test_a_worker_keeps_its_database_connection_from_task_to_task_until_it_is_too_old():
    from celery.fixups.django import DjangoWorkerFixup
    from django.db import connection

    fixup = DjangoWorkerFixup(app)  # what a worker installs around every task
    task = app.tasks["config.tasks.beat_heartbeat"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60  # production's; the test settings close at once
    try:
        pids = [_backend_pid_in_a_task(fixup, task) for _ in range(3)]
        connection.close_at = time.monotonic() - 1  # the connection has outlived CONN_MAX_AGE
        after_max_age = _backend_pid_in_a_task(fixup, task)
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()

    assert len(set(pids)) == 1  # one connection for the three tasks
    assert after_max_age != pids[0]  # and a new one once it was too old


def _backend_pid_in_a_task(fixup, task) -> int:
    from celery.signals import task_postrun, task_prerun
    from django.db import connection

    fixup.on_task_prerun(sender=task)
    task_prerun.send(sender=task)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fixup.on_task_postrun(sender=task)
    task_postrun.send(sender=task)
    return pid


def test_a_worker_process_leaves_the_objects_it_starts_with_out_of_the_collectors_passes():
    import gc

    from celery.signals import worker_process_init

    gc.unfreeze()  # (the ASGI application, if a test imported it, froze this process's objects)
    assert gc.get_freeze_count() == 0
    try:
        worker_process_init.send(sender=None)

        assert gc.get_freeze_count() > 10_000  # Django, the apps and their libraries
    finally:
        gc.unfreeze()
