"""The Celery application: named queues, late acks, django-celery-beat's database scheduler."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("beacon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("default", "ingest", "engine", "alerts", "backtests")]
app.autodiscover_tasks()
