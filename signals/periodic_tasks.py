"""The signals app's periodic tasks in django-celery-beat, created or updated idempotently.

One engine run per plan at the plan's cadence, the release of delayed publications, and the weekly
retraining of the confidence model. `config.beat_schedules` finds this module by its name (as the
admin finds admin.py), so apps.py need not import it.
"""

from __future__ import annotations

import json

from billing.models import Plan
from config.beat_schedules import periodic_task_ensure


def periodic_tasks_sync() -> None:
    """Engine runs per tier, the release of delayed publications, and model retraining."""
    engine_schedules_sync()
    periodic_task_ensure(name="signals-publications-release", task="signals.tasks.publications_release",
                         every_seconds=10, queue="engine")
    periodic_task_ensure(name="signals-model-retrain", task="signals.tasks.model_retrain",
                         every_seconds=7 * 24 * 3600, queue="default")


def engine_schedules_sync() -> list[str]:
    """One periodic task per plan, every `engine_cadence_seconds`; idempotent. Returns their names."""
    names = []
    for plan in Plan.objects.all():
        name = f"engine-tier-{plan.code}"
        periodic_task_ensure(name=name, task="signals.tasks.engine_run_tier", queue="engine",
                             every_seconds=max(plan.engine_cadence_seconds, 10),
                             kwargs_json=json.dumps({"tier": plan.code}))
        names.append(name)
    return names
