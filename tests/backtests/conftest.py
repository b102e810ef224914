import pytest

from config.celery_app import app


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent, a closed-bar event's included."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
