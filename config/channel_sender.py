"""Sending to the channel layer from sync code (services, Celery tasks) on one event loop per process.

`async_to_sync` runs each call on a new event loop, and channels_redis keeps its connections per
loop, so every send opened a Redis connection (about 6 ms of the live path per published signal,
measured). Here one loop runs for the life of the process in a daemon thread, started on first
use, and again in a forked child (Celery's prefork workers), whose copy of the parent's loop has no
thread running it.
"""

from __future__ import annotations

import asyncio
import os
import threading

from channels.layers import get_channel_layer

SEND_TIMEOUT_SECONDS = 10

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def sender_loop() -> asyncio.AbstractEventLoop:
    """The event loop this process sends to the channel layer from, running in its own thread."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sender", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def group_send_many(messages: list[tuple[str, dict]]) -> None:
    """Send each (group, message): in order within a group, the groups side by side; returns when
    all are on the layer (or raises)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    by_group: dict[str, list[dict]] = {}
    for group, message in messages:
        by_group.setdefault(group, []).append(message)

    async def send_in_order(group: str, group_messages: list[dict]) -> None:
        for message in group_messages:
            await layer.group_send(group, message)

    async def send() -> None:
        await asyncio.gather(*(send_in_order(group, group_messages) for group, group_messages in by_group.items()))

    asyncio.run_coroutine_threadsafe(send(), sender_loop()).result(timeout=SEND_TIMEOUT_SECONDS)
