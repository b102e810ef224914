"""Serve Beacon with daphne (HTTP + WebSocket).

Embedded (no REDIS_URL): a Celery worker and beat run inside this process. With REDIS_URL set,
this serves the web only; run worker and beat as their own processes (Procfile, `make run`).
"""

from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand

from config.beat_schedules import beat_schedules_sync
from config.celery_app import app
from config.embedded import EmbeddedWorkers


class Command(BaseCommand):
    help = "Serve HTTP and WebSocket with daphne; with no REDIS_URL, also run a Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options):
        beat_schedules_sync()
        workers = None
        if settings.EMBEDDED:
            workers = EmbeddedWorkers(app)
            workers.start()
        self.stdout.write(f"Beacon on http://{host}:{port}/ ({'embedded' if workers else 'web only'})")
        try:
            CommandLineInterface().run(["-b", host, "-p", str(port), "config.asgi:application"])
        finally:
            if workers is not None:
                workers.stop()
