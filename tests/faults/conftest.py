"""Fixtures of the fault tests: private servers that the tests may kill, and the environment of the
processes (daphne, Celery workers) that the tests start against them."""

from __future__ import annotations

import pytest

from tests.faults.processes import RedisServer


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own; killed at the end, whatever state the test left it in."""
    server = RedisServer(tmp_path).start()
    yield server
    server.kill()
