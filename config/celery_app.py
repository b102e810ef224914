"""The Celery application: its settings (named queues, late acks, django-celery-beat's database
scheduler) come from Django's, under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

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
