"""Celery's named queues, routes and platform schedules.

The embedded worker and beat are proven end to end in test_serve_embedded.py (a real process).
"""



from config.beat_schedules import beat_schedules_sync
from config.celery_app import app


def test_tasks_are_routed_to_their_named_queues():
    routes = app.conf.task_routes

    assert {q.name for q in app.conf.task_queues} == {"default", "ingest", "engine", "alerts", "backtests"}
    assert routes["market.tasks.*"] == {"queue": "ingest"}
    assert routes["signals.tasks.*"] == {"queue": "engine"}
    assert app.conf.task_acks_late is True


def test_platform_schedules_are_created_once_however_often_synced(db):
    from django_celery_beat.models import PeriodicTask

    beat_schedules_sync()
    beat_schedules_sync()

    heartbeat = PeriodicTask.objects.get(name="beacon-beat-heartbeat")
    assert heartbeat.task == "config.tasks.beat_heartbeat"
    assert PeriodicTask.objects.filter(name="beacon-beat-heartbeat").count() == 1
