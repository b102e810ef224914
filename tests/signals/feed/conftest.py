"""Fixtures of the live feed tests: tenants on each plan with an API key, signals published through
the real publishing path, and WebSocket clients of the real ASGI app (config.asgi.application).

The consumer reads the database from other threads, so these tests commit (transactional_db).
With REDIS_URL set the channel layer and the cache are Redis, as in production.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from accounts.services import api_key_create
from billing.models import Plan, Subscription, SubscriptionStatus
from signals import feed_connection, feed_hub
from signals.feed_sockets import DeliveryLimits

FEED_PATH = "/ws/v1/feed/"


@pytest.fixture(autouse=True)
def feed_world(transactional_db):
    """The plan catalogue (a transactional test's flush empties it), the instruments and the strategy."""
    from billing.services import plan_catalogue_seed
    from market.services import instrument_catalogue_load
    from signals.services import strategy_default_ensure

    plan_catalogue_seed()
    instrument_catalogue_load()
    strategy_default_ensure()


@pytest.fixture(autouse=True)
async def fresh_hub(monkeypatch):
    """Each test starts with an empty channel layer and a quick heartbeat sweep, and stops its hub."""
    monkeypatch.setattr(feed_hub, "SWEEP_SECONDS", 0.05)
    await layer_empty()
    yield
    await feed_hub.feed_hub_stop()
    await layer_empty()


async def layer_empty() -> None:
    """Forget every channel and group. channels-redis's own flush closes the connection pools of every
    event loop (the channel sender's too), so its keys are deleted here with a client of our own."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        await layer.flush()
    else:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{layer.prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def tenant_with_key(*, plan: str, name: str) -> tuple[Tenant, str]:
    """A tenant on `plan` (an active subscription unless Free) and the plaintext of its API key."""
    tenant = Tenant.objects.create(name=name, slug=name.lower().replace(" ", "-"))
    if plan != "free":
        Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code=plan), status=SubscriptionStatus.ACTIVE)
    _, plaintext = api_key_create(tenant=tenant, name="feed", scope="read", created_by=None)
    return tenant, plaintext


@pytest.fixture
def premium(feed_world) -> tuple[Tenant, str]:
    return tenant_with_key(plan="premium", name="Premium Desk")


@pytest.fixture
def free(feed_world) -> tuple[Tenant, str]:
    return tenant_with_key(plan="free", name="Free Reader")


def small_limits(monkeypatch, **limits) -> DeliveryLimits:
    chosen = DeliveryLimits(**limits)
    monkeypatch.setattr(feed_connection, "DELIVERY_LIMITS", chosen)
    return chosen


_bar = iter(range(1, 10**6))


def signal_publish(*, symbol: str = "EURUSD", timeframe: str = "H1", direction: str = "BUY"):
    """Store a signal and schedule its publications as the engine does (publications_schedule inside the
    signal's transaction; the feed messages go out after the commit). Returns the signal."""
    from market.models import Instrument
    from signals.models import Signal
    from signals.publishing import publications_schedule
    from signals.services import strategy_default_ensure

    instrument = Instrument.objects.get(symbol=symbol)
    bar_time = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=next(_bar))
    with transaction.atomic():
        signal = Signal.objects.create(
            instrument=instrument, asset_class=instrument.asset_class, timeframe=timeframe, direction=direction,
            score=0.6, confidence=0.58, entry=1.1, stop=1.09, target_1=1.11, target_2=1.12, target_3=1.13,
            risk_reward=1.0, position_size_fraction=0.1, distances={"stop_pips": 100}, regime="trending_up",
            reasoning="Uptrend, Supertrend up.", contributions={"trend": 0.2}, strategy=strategy_default_ensure(),
            bar_time=bar_time, created_at=timezone.now(), valid_until=bar_time + timedelta(days=2))
        publications_schedule(signal=signal)
    return signal


async def publish(**kwargs):
    return await database_sync_to_async(signal_publish)(**kwargs)


async def feed_client(key: str | None = None, *, path: str = FEED_PATH, headers=None) -> WebsocketCommunicator:
    """A connected client of the real ASGI app; authenticated (auth.ok read) when given a key."""
    from config.asgi import application

    client = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _ = await client.connect(timeout=5)
    assert connected
    if key is not None:
        await client.send_json_to({"action": "auth", "key": key})
        answer = await client.receive_json_from(timeout=5)
        assert answer["type"] == "auth.ok", answer
    return client


async def next_message(client: WebsocketCommunicator, *, timeout: float = 5, skip=("heartbeat",)) -> dict:
    """The next message that is not a heartbeat; heartbeats are answered, as a reading client does."""
    while True:
        message = await client.receive_json_from(timeout=timeout)
        if message["type"] == "heartbeat":
            await client.send_json_to({"action": "pong", "id": message["data"]["id"]})
        if message["type"] not in skip:
            return message


async def messages_of_type(client: WebsocketCommunicator, message_type: str, count: int, *,
                           timeout: float = 5) -> list[dict]:
    found = []
    while len(found) < count:
        message = await next_message(client, timeout=timeout)
        if message["type"] == message_type:
            found.append(message)
    return found


async def nothing_arrives(client: WebsocketCommunicator, *, within: float = 0.5) -> bool:
    """True if nothing but heartbeats arrived within `within` seconds (a communicator's timeout would end
    the application, so this waits, then looks)."""
    await asyncio.sleep(within)
    while not await client.receive_nothing(timeout=0.01):
        message = await client.receive_json_from()
        if message["type"] != "heartbeat":
            raise AssertionError(f"unexpected message {message}")
        await client.send_json_to({"action": "pong", "id": message["data"]["id"]})
    return True


async def close_of(client: WebsocketCommunicator, *, timeout: float = 5) -> tuple[int, str]:
    """The close code and the reason the last error message gave, skipping what came before it."""
    reason = ""
    while True:
        output = await client.receive_output(timeout=timeout)
        if output["type"] == "websocket.close":
            return output.get("code"), reason
        if output["type"] == "websocket.send" and '"type":"error"' in output.get("text", ""):
            reason = json.loads(output["text"])["data"]["message"]


async def subscribe(client: WebsocketCommunicator, streams: list[str], filters: dict | None = None) -> dict:
    await client.send_json_to({"action": "subscribe", "streams": streams, "filters": filters or {}})
    return await next_message(client, skip=("heartbeat", "engine.status"))
