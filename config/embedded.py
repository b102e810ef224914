"""The embedded runtime: a real Celery worker and beat inside the web process.

Used when REDIS_URL is not set. The broker is kombu's in-memory transport, which is shared by the
threads of one process, so the worker consumes exactly what beat and the web threads send.
"""

from __future__ import annotations

import logging
import threading

from celery import Celery
from celery.beat import EmbeddedService
from celery.worker import WorkController

logger = logging.getLogger(__name__)


class EmbeddedWorkers:
    """Starts and stops one Celery worker (thread pool) and one beat service as daemon threads."""

    def __init__(self, app: Celery, *, concurrency: int = 2):
        self.app = app
        self.worker = WorkController(
            app=app,
            pool_cls="threads",
            concurrency=concurrency,
            queues=list(app.conf.task_queues and [q.name for q in app.conf.task_queues]),
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            hostname="embedded@localhost",
            loglevel="INFO",
        )
        self.beat = EmbeddedService(app, thread=True, scheduler_cls=app.conf.beat_scheduler)
        self._worker_thread = threading.Thread(target=self.worker.start, name="celery-worker", daemon=True)

    def start(self) -> None:
        self._worker_thread.start()
        self.beat.start()
        logger.info("embedded Celery worker and beat started (in-memory broker)")

    def stop(self) -> None:
        self.beat.stop()
        self.worker.stop(in_sighandler=False)
        self._worker_thread.join(timeout=10)
        logger.info("embedded Celery worker and beat stopped")
