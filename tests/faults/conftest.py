"""Fixtures of the fault tests: private servers that the tests may kill, and the environment of the
processes (daphne, Celery workers) that the tests start against them."""

from __future__ import annotations

import pytest

from config.celery_app import app
from tests.faults.processes import RedisServer


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own; killed at the end, whatever state the test left it in."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()


@pytest.fixture
def broker(private_redis):
    """This process's tasks go to the private Redis, where the workers of the test take them."""
    previous = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    app._after_fork()  # forget the connections to the other broker (what Celery does in a forked child)
    yield private_redis
    app.conf.broker_url = previous
    app._after_fork()
