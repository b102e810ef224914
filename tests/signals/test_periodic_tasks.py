"""Beat holds one engine run per plan at the plan's cadence, and the signals app's other periodic
tasks, created by the platform's sync."""

from django_celery_beat.models import PeriodicTask

from config.beat_schedules import beat_schedules_sync
from signals.periodic_tasks import engine_schedules_sync


def test_tier_schedules_are_created_from_the_plans_idempotently(db):
    engine_schedules_sync()
    engine_schedules_sync()

    task = PeriodicTask.objects.get(name="engine-tier-premium")
    assert task.interval.every == 60 and task.queue == "engine"
    assert PeriodicTask.objects.filter(name__startswith="engine-tier-").count() == 3


def test_the_platform_sync_creates_the_signals_periodic_tasks(db):
    beat_schedules_sync()

    tasks = dict(PeriodicTask.objects.filter(name__startswith="engine-tier-").values_list("name", "task"))
    assert tasks == {f"engine-tier-{tier}": "signals.tasks.engine_run_tier" for tier in ("free", "pro", "premium")}
    release = PeriodicTask.objects.get(name="signals-publications-release")
    retrain = PeriodicTask.objects.get(name="signals-model-retrain")
    assert (release.task, release.interval.every, release.queue) == ("signals.tasks.publications_release", 10, "engine")
    assert (retrain.task, retrain.queue) == ("signals.tasks.model_retrain", "default")
