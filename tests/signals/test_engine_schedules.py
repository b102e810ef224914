"""Beat holds one engine run per plan, at the plan's cadence."""

from django_celery_beat.models import PeriodicTask

from signals.scheduling import engine_schedules_sync


def test_tier_schedules_are_created_from_the_plans_idempotently(db):
    engine_schedules_sync()
    engine_schedules_sync()

    task = PeriodicTask.objects.get(name="engine-tier-premium")
    assert task.interval.every == 60 and task.queue == "engine"
    assert PeriodicTask.objects.filter(name__startswith="engine-tier-").count() == 3
