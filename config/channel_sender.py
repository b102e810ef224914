"""Sending to the channel layer from sync code (services, Celery tasks) on one event loop per process.

`async_to_sync` runs each call on a new event loop, and channels_redis keeps its connections per
loop, so every send opened a Redis connection (about 6 ms of the live path per published signal,
measured). Here one loop runs for the life of the process in a daemon thread, started on first
use, and again in a forked child (Celery's prefork workers), whose copy of the parent's loop has no
thread running it.

The in-memory layer (embedded mode) is not thread-safe: its queues wake only readers on the loop
that sends. There, the process's feed hub names the loop that reads (`in_memory_reader_loop_set`),
and sends run on that loop instead.
"""

from __future__ import annotations

import asyncio
import os
import threading

from channels.layers import InMemoryChannelLayer, get_channel_layer

SEND_TIMEOUT_SECONDS = 10

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None
_in_memory_reader_loop: asyncio.AbstractEventLoop | None = None


def sender_loop() -> asyncio.AbstractEventLoop:
    """The event loop this process sends to the channel layer from, running in its own thread."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-layer-sender", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def in_memory_reader_loop_set(loop: asyncio.AbstractEventLoop | None) -> None:
    """The loop that reads the in-memory layer's channels in this process (None: no reader)."""
    global _in_memory_reader_loop
    _in_memory_reader_loop = loop


def _send_loop(layer) -> asyncio.AbstractEventLoop:
    reader = _in_memory_reader_loop
    if isinstance(layer, InMemoryChannelLayer) and reader is not None and reader.is_running():
        return reader
    return sender_loop()


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

    loop = _send_loop(layer)
    if _running_loop() is loop:  # sync code on the reading loop itself cannot wait for it
        loop.create_task(send())
        return
    asyncio.run_coroutine_threadsafe(send(), loop).result(timeout=SEND_TIMEOUT_SECONDS)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
