"""Redis (channel layer, cache and broker at once) killed and started again on the same port, empty,
under live traffic: feed clients of a live daphne miss no signal and get none twice, the web answers
200 again, and a Celery worker takes tasks again.

Nothing tells the processes that Redis came back: daphne's feed notices its layer failed, joins its
groups again and sends what was published meanwhile from the database; the reference client stays
connected, or reconnects and resumes from its last seq."""

from __future__ import annotations

import asyncio
import time

import pytest
import requests
from channels.db import database_sync_to_async
from django.db import connection, connections

from billing.services import plan_catalogue_seed
from config.celery_app import app
from market.services import instrument_catalogue_load
from signals.feed_client import FeedClient
from signals.models import SignalPublication
from signals.services import strategy_default_ensure
from tests.faults.processes import CeleryWorker, WebServer, database_url, process_env
from tests.signals.feed.conftest import signal_publish, tenant_with_key

pytestmark = pytest.mark.postgres  # the feed's resume reads the publications from PostgreSQL


def publish(count: int, pause: float) -> None:
    try:
        for _ in range(count):
            signal_publish()
            time.sleep(pause)
    finally:
        connections.close_all()


async def until(condition, *, seconds: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        await asyncio.sleep(0.05)


def healthz(server: WebServer) -> int:
    try:
        return requests.get(server.url + "/healthz", timeout=10).status_code
    except requests.RequestException:
        return 0


@pytest.fixture
def world(transactional_db, broker, settings, tmp_path):
    """Plans, instruments, the strategy; this process's channel layer and broker on the private Redis; a
    daphne and a worker on it and on this test's database."""
    plan_catalogue_seed()
    instrument_catalogue_load()
    strategy_default_ensure()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [{"address": broker.url, "socket_timeout": 15}]}}}
    env = process_env(DATABASE_URL=database_url(connection.settings_dict["NAME"]), REDIS_URL=broker.url)
    server = WebServer(env, tmp_path / "daphne.log").launch()
    worker = CeleryWorker(env, tmp_path / "worker.log", queues="default,alerts,portfolios", name="worker").launch()
    server.ready()
    worker.ready()
    yield server
    worker.kill()
    server.stop()


async def test_feed_clients_miss_nothing_and_web_and_workers_come_back_when_redis_restarts(
        world, private_redis, tmp_path):
    server = world
    _, key = await database_sync_to_async(tenant_with_key)(plan="premium", name="Premium Desk")
    received: list[dict] = []
    client = FeedClient(url=server.feed_url, key=key, state_file=tmp_path / "feed.json", on_message=received.append)
    stop = asyncio.Event()
    following = asyncio.create_task(client.run(stop=stop))
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(client.live.wait(), timeout=30)
        await loop.run_in_executor(None, publish, 5, 0.1)
        await until(lambda: len(received) == 5, what="the first five signals")

        private_redis.kill()
        await loop.run_in_executor(None, publish, 2, 0.1)  # while Redis is down: stored, announced to nobody
        private_redis.start()  # the same port, nothing in it
        await loop.run_in_executor(None, publish, 5, 0.3)
        await until(lambda: len(received) == 12, seconds=60, what="every signal, those of the outage too")

        app.send_task("config.tasks.beat_heartbeat", queue="default")  # taken by the worker, written to the cache
        await until(lambda: healthz(server) == 200, seconds=60, what="/healthz to answer 200 again")
    finally:
        stop.set()
        await asyncio.wait_for(following, timeout=30)

    expected = await database_sync_to_async(lambda: list(
        SignalPublication.objects.filter(tier="premium").order_by("id").values_list("id", flat=True)))()
    assert len(expected) == 12
    assert [message["seq"] for message in received] == expected  # in order, none missed, none twice
