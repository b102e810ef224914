"""Fixtures of the engine's Django-side tests."""

import pytest


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent, a closed-bar event's included."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
