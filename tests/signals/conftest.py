"""Fixtures of the engine's Django-side tests."""

from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync

from market.demo_seed import market_demo_seed

NOW = datetime(2026, 11, 25, tzinfo=UTC)  # after every bundled bar: each one has closed


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent, a closed-bar event's included."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def market(db, eager_tasks):
    """The demo market (plans, instruments, the bundled histories) with tasks run eagerly."""
    market_demo_seed(hold_back=0)


def received(layer, channel: str, count: int) -> list[dict]:
    """The next `count` messages, read in one event loop (as a consumer reads them)."""
    async def receive():
        return [await layer.receive(channel) for _ in range(count)]

    return async_to_sync(receive)()


@pytest.fixture
def catalogue(db):
    """The instrument catalogue (plans come with the migrations)."""
    from market.services import instrument_catalogue_load

    instrument_catalogue_load()
