"""The Celery application: its settings (named queues, late acks, django-celery-beat's database
scheduler) come from Django's, under the CELERY_ prefix."""

import gc
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("beacon")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes the database connections around every task (celery#9824), so each
# task opened a new PostgreSQL connection: 3 ms of a 20 ms engine task, measured. With a reuse
# limit the fixup closes them only every 500 tasks (it counts the start and the end of each), and
# between, Django's own rule for a request applies to each task (below).
app.conf.CELERY_DB_REUSE_MAX = 1000
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(sender=None, **_) -> None:
    """Close a connection older than CONN_MAX_AGE or unusable (CONN_HEALTH_CHECKS), as Django does
    around a request. Not for an eager task: it runs inside its caller's connection and transaction."""
    if sender is not None and not getattr(sender.request, "is_eager", False):
        from django.db import close_old_connections as close_old

        close_old()


@worker_process_init.connect
def startup_objects_freeze(**_) -> None:
    """Leave the objects a worker process starts with (Django, the apps, numpy, pandas: some 180,000) out of
    the garbage collector's full passes: they live as long as the process, and each pass over them cost
    0.1 to 0.7 s (measured, bench/bench_alerts.py), several times in a large task such as a close's alerts."""
    gc.freeze()
