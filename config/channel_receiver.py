"""Receiving from the channel layer in batches, for a reader that is one of many tasks of a busy loop.

channels-redis's `receive` takes one message in four round trips to Redis (a cleanup script, the
blocking pop, a copy to the channel's in-flight backup and its removal, the next receive waiting for
that), each a turn of the event loop. On a live-feed process whose loop sends to a thousand sockets,
a turn took tens of milliseconds, so one reader received about ten messages a second, and a busier
minute left it behind for good (measured: bench/bench_feed.py). Here a reader's own channel (a
plain name, not one of the process's `!` channels, which share one Redis key) is read with one
blocking pop and one pop of whatever else waits: every waiting message in two round trips.

The backup copy is what this gives up: a process that dies holding popped messages loses them. Its
sockets die with it, and clients resume from the database.
"""

from __future__ import annotations

import uuid

from channels.layers import BaseChannelLayer
from channels_redis.core import RedisChannelLayer


def reader_channel_name(prefix: str) -> str:
    """A channel of its own for one reader (its messages under a Redis key of their own)."""
    return f"{prefix}.{uuid.uuid4().hex}"


async def receive_many(layer: BaseChannelLayer, channel: str, *, limit: int) -> list[dict]:
    """The channel's next message (waiting for it up to the layer's blocking timeout: [] if none came),
    with up to `limit` - 1 more that already wait, oldest first. On the in-memory layer (one process,
    no round trips), its `receive`: one message."""
    if not isinstance(layer, RedisChannelLayer):
        return [await layer.receive(channel)]
    key = layer.prefix + channel
    redis = layer.connection(layer.consistent_hash(channel))
    popped = await redis.bzpopmin(key, timeout=layer.brpop_timeout)
    if popped is None:
        return []
    members = [popped[1]]
    if limit > 1:
        members += [member for member, _score in await redis.zpopmin(key, limit - 1)]
    messages = [layer.deserialize(member) for member in members]
    for message in messages:
        message.pop("__asgi_channel__", None)  # group_send's note of the channels the copy is for
    return messages
