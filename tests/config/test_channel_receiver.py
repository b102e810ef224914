"""A reader's channel is received in batches: every waiting message at once, oldest first, and the wait
for the next one as long as the layer's blocking pop."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from config.channel_receiver import reader_channel_name, receive_many


@pytest.fixture
async def redis_layer():
    """A Redis layer of its own (its keys under a prefix of their own), as the settings configure it."""
    from channels_redis.core import RedisChannelLayer

    if "RedisChannelLayer" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        pytest.skip("needs REDIS_URL (the Redis channel layer)")
    layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"], prefix=f"test-{uuid.uuid4().hex[:8]}")
    yield layer
    await layer.flush()


@pytest.mark.redis
async def test_every_waiting_message_comes_in_one_receive_oldest_first_up_to_the_limit(redis_layer):
    channel = reader_channel_name("feed")
    await redis_layer.group_add("signals.pro", channel)
    for n in range(1, 5):
        await redis_layer.send(channel, {"type": "m", "n": n})
    await redis_layer.group_send("signals.pro", {"type": "m", "n": 5})
    await redis_layer.group_send("signals.pro", {"type": "m", "n": 6})

    first = await receive_many(redis_layer, channel, limit=4)
    rest = await receive_many(redis_layer, channel, limit=4)

    assert first == [{"type": "m", "n": n} for n in (1, 2, 3, 4)]
    assert rest == [{"type": "m", "n": 5}, {"type": "m", "n": 6}]  # group copies carry no routing note


@pytest.mark.redis
async def test_a_receive_waits_for_the_next_message(redis_layer):
    channel = reader_channel_name("feed")

    async def send_later():
        await asyncio.sleep(0.3)
        await redis_layer.send(channel, {"type": "m", "n": 1})

    sender = asyncio.create_task(send_later())
    received = await receive_many(redis_layer, channel, limit=100)
    await sender

    assert received == [{"type": "m", "n": 1}]


@pytest.mark.redis
async def test_a_quiet_channel_gives_nothing_once_the_blocking_pop_ends(redis_layer, monkeypatch):
    monkeypatch.setattr(redis_layer, "brpop_timeout", 1)

    assert await receive_many(redis_layer, reader_channel_name("feed"), limit=100) == []


async def test_the_in_memory_layer_gives_one_message_a_receive():
    layer = InMemoryChannelLayer()
    channel = reader_channel_name("feed")
    await layer.send(channel, {"type": "m", "n": 1})
    await layer.send(channel, {"type": "m", "n": 2})

    assert await receive_many(layer, channel, limit=100) == [{"type": "m", "n": 1}]
    assert await receive_many(layer, channel, limit=100) == [{"type": "m", "n": 2}]
