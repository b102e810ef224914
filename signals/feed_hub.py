"""The live feed of one web process: each stream key a local socket wants is received once, encoded
once and fanned out to the process's own sockets.

Stock Channels gives every socket a channel of its own in every group, so each message costs a
channel layer delivery, a task wake-up and a JSON encoding per socket. Here a process holds one
channel per (stream, key) it serves (`signals.premium`, `tenant.42`), reads it in one task and
hands the same text to its sockets; each FeedSocket applies its client's filters and flow control.
The task takes every message that waits at once (config.channel_receiver: two round trips to Redis
for a batch, where channels-redis's receive takes four for each message, each a turn of a loop that
is busy sending), so a burst or a slow turn never leaves it behind for good.
channels-redis carries the messages between processes in production; the in-memory layer does in
the embedded mode, where the worker publishes from a thread of this same process.

Ordered streams (signals) are checked against the database: when a message's seq jumps past
messages this process never received (two workers' commits sent out of order, a message the layer
dropped), the missing ones are read from the database and sent first, and their late copies are
dropped (one read for a batch). A message the layer lost with none after it to reveal the gap
(channels-redis drops what waits over its expiry or beyond a channel's capacity) is found by a check
of the newest seq every GAP_CHECK_SECONDS, and sent when the gap outlives one check.
So every socket gets a tier's publications in seq order, each once (FeedSocket also skips
what a resume replayed).

That makes a key's feed, from the moment this process joined it, the complete ordered record of what
it sent: the newest HISTORY messages are kept (with their text), and a resume that reaches back no
further than they do is served from them, without the database (a hundred reconnects a second each
read their page there, and that work took the event loop's CPU).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import close_old_connections, connections
from redis.exceptions import TimeoutError as RedisTimeout

from config.channel_receiver import reader_channel_name, receive_many
from config.channel_sender import in_memory_reader_loop_set
from signals.feed_protocol import encode
from signals.feed_slots import SLOT_RENEW_SECONDS, Slot, connection_slots_renew
from signals.feed_sockets import FeedSocket
from signals.feed_streams import FeedStream
from signals.feed_subscribers import FeedSubscriber, feed_subscribers_refused

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 1.0  # heartbeats and deadlines are checked this often
POLL_SECONDS = 10.0  # a polled stream (engine status) is read this often while someone listens
GROUP_RENEW_SECONDS = 30.0  # joined again this often: a restarted or flushed Redis forgets every group
FILL_PAGE = 500
RECENT_SEQS = 4096  # seqs sent lately: a late copy of one is expected, of another is worth a warning
RIGHTS_CHECK_SECONDS = 60.0  # how soon a revoked key, a member who left or a new plan closes a socket
LINGER_SECONDS = 60.0  # a key nobody here wants any more is received a while longer (reconnects are cheap)
HISTORY = 1000  # an ordered key's newest messages sent, kept for resumes (text shared with the sockets')
GAP_CHECK_SECONDS = 5.0  # the database's newest seq of each ordered key is compared with the last sent this often
RECEIVE_BATCH = 100  # messages of a key taken from the layer at once (all that wait, under a burst)
CONNECTION_THREADS = 4  # database connections of the feed's connections, out of the process's pool
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Connected:
    slot: Slot | None
    subscriber: FeedSubscriber


class KeyFeed:
    """One (stream, key) this process receives, and the local sockets that want it."""

    def __init__(self, hub: FeedHub, stream: FeedStream, key: str):
        self.hub, self.stream, self.key = hub, stream, key
        self.group = stream.group(key) if stream.group is not None else None  # a pushed stream's
        self.sockets: set[FeedSocket] = set()
        self.ready = asyncio.Event()
        self.channel: str | None = None
        self.first_seq = self.last_seq = 0  # an ordered stream's seq when this process joined, and the newest sent
        self.history: deque[tuple[int, dict, str]] = deque()  # (seq, message, text) sent lately, oldest first
        self.history_floor: int | None = None  # every message sent with a seq above it is in `history`
        self._order = asyncio.Lock()  # one sender of the ordered messages at a time: the receiver or the gap check
        self._gap: int | None = None  # the database's newest seq at the last check, when it was not sent yet
        self._recent: set[int] = set()
        self._recent_order: deque[int] = deque()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self.idle_since: float | None = None  # when its last socket left
        self.last_message: dict | None = None  # a polled stream's newest message
        self.next_poll = 0.0

    async def start(self) -> None:
        try:
            if self.group is not None:
                self.channel = reader_channel_name("feed")
                await self.hub.layer.group_add(self.group, self.channel)
                if self.stream.latest is not None:
                    self.first_seq = self.last_seq = await self.hub.run_sync(self.stream.latest, self.key)
                    self.history_floor = self.first_seq
                self._task = asyncio.create_task(self._receive(), name=f"feed {self.stream.name} {self.key}")
        finally:
            self.ready.set()

    async def stop(self) -> None:
        """Leave the group and stop receiving."""
        self._stopping = True
        if self.group is not None and self.channel is not None:
            await self.hub.layer.group_discard(self.group, self.channel)
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=STOP_TIMEOUT_SECONDS)

    async def renew_group(self) -> None:
        if self.group is not None and self.channel is not None:
            await self.hub.layer.group_add(self.group, self.channel)

    async def _receive(self) -> None:
        failures, joined = 0, True
        while not self._stopping:  # (redis-py on Python 3.11 can lose a cancellation in asyncio.wait_for)
            try:
                if not joined:  # the layer failed: a Redis that restarted forgot the group
                    await self.renew_group()
                    joined = True
                    async with self._order:
                        await self._catch_up()
                messages = await receive_many(self.hub.layer, self.channel, limit=RECEIVE_BATCH)
            except RedisTimeout:
                task = asyncio.current_task()
                if self._stopping or (task is not None and task.cancelling()):
                    return  # the Redis client may turn our cancellation into a timeout
                # redis-py's 5 s socket timeout can end channels-redis's 5 s blocking pop on an idle
                # channel: nothing was lost, read again (CHANNEL_LAYERS hosts' socket_timeout avoids it).
                continue
            except Exception:
                if self._stopping:
                    return
                failures, joined = failures + 1, False
                logger.exception("feed %s %s: receiving failed; retrying", self.stream.name, self.key)
                await asyncio.sleep(min(failures, 5))
                continue
            failures = 0
            try:
                await self._dispatch(messages)
            except Exception:
                logger.exception("feed %s %s: messages could not be sent", self.stream.name, self.key)

    async def _dispatch(self, messages: list[dict]) -> None:
        ordered = []
        for message in messages:
            if self.stream.replay is not None and isinstance(message.get("seq"), int):
                ordered.append(message)
            else:
                await self.fan_out(message)
        if ordered:
            async with self._order:
                await self._dispatch_ordered(ordered)

    async def _dispatch_ordered(self, messages: list[dict]) -> None:
        """Send the messages received, with any the layer did not bring before the newest of them (one
        read of the database for the batch), in seq order, each once."""
        to_send: dict[int, dict] = {}
        for message in messages:
            seq = message["seq"]
            if seq > self.last_seq:
                to_send[seq] = message
            elif seq not in self._recent and seq > self.first_seq:
                logger.warning("feed %s %s: seq %s arrived after %s was sent, so its sockets skip it: it was "
                               "made visible after a later one", self.stream.name, self.key, seq, self.last_seq)
            # else: sent already (read from the database ahead of this copy), or older than this process's start
        if not to_send:
            return
        newest, before = max(to_send), self.last_seq
        missing, complete = await self._missing_before(newest)
        if not complete:  # the history lacks what could not be read: resumes from before here read the database
            self.history.clear()
            self.history_floor = newest
        elif self.history_floor is None:  # complete again after a failed catch-up
            self.history_floor = before
        for earlier in missing:
            to_send.setdefault(earlier["seq"], earlier)
        for seq in sorted(to_send):
            self.last_seq = seq
            await self._send_ordered(to_send[seq])

    async def check_gap(self) -> None:
        """Send what the database has beyond the last message sent, if it was there at the previous check too
        (a live copy on its way normally arrives well within GAP_CHECK_SECONDS)."""
        if self.stream.latest is None or self.stream.replay is None or not self.ready.is_set() or self._task is None:
            return
        try:
            latest = await self.hub.run_sync(self.stream.latest, self.key)
        except Exception:
            logger.exception("feed %s %s: could not read the newest seq", self.stream.name, self.key)
            return
        gap, self._gap = self._gap, (latest if latest > self.last_seq else None)
        if gap is not None and gap > self.last_seq:
            logger.warning("feed %s %s: seq %s never arrived from the layer; sent from the database",
                           self.stream.name, self.key, gap)
            async with self._order:
                await self._catch_up()

    async def _catch_up(self) -> None:
        """Send what was published while the layer was unreachable (it never reached this process), from
        the database, in order; a copy that still arrives is dropped by its seq."""
        if self.stream.replay is None:
            return
        missing, complete = await self._missing_before(None)
        if not complete:
            self.history.clear()
            self.history_floor = None  # until a message that follows a complete read
        for earlier in missing:
            self.last_seq = earlier["seq"]
            await self._send_ordered(earlier)

    async def _missing_before(self, seq: int | None) -> tuple[list[dict], bool]:
        """The key's messages between the last one sent and `seq` (every one since: None) that never arrived
        here, and whether that is all of them (False: the database could not be read)."""
        replay, missing, after = self.stream.replay, [], self.last_seq
        if replay is None:
            return [], True
        try:
            while True:
                page = await self.hub.run_sync(replay, key=self.key, after=after, before=seq, limit=FILL_PAGE)
                missing += page
                if len(page) < FILL_PAGE:
                    return missing, True
                after = page[-1]["seq"]
        except Exception:  # the live message still goes out; a client can resume what it lacks
            logger.exception("feed %s %s: could not read what came before seq %s", self.stream.name, self.key, seq)
            return missing, False

    async def _send_ordered(self, message: dict) -> None:
        if len(self._recent_order) >= RECENT_SEQS:
            self._recent.discard(self._recent_order.popleft())
        self._recent_order.append(message["seq"])
        self._recent.add(message["seq"])
        text = encode(message)
        if self.history_floor is not None:
            if len(self.history) >= HISTORY:
                self.history_floor = self.history.popleft()[0]
            self.history.append((message["seq"], message, text))
        await self.fan_out(message, text=text)

    def sent_after(self, after: int, limit: int) -> list[tuple[int, dict, str]] | None:
        """The (seq, message, text) this process sent with a seq above `after`, oldest first, at most `limit`;
        None when its history does not reach back that far (read the database)."""
        if self.history_floor is None or after < self.history_floor:
            return None
        newer: list[tuple[int, dict, str]] = []
        for sent in reversed(self.history):
            if sent[0] <= after:
                break
            newer.append(sent)
        newer.reverse()
        return newer[:limit]

    async def poll(self) -> None:
        """Read a polled stream's current message; send it if it changed."""
        self.next_poll = time.monotonic() + POLL_SECONDS
        if self.stream.poll is None:
            return
        try:
            message = await self.hub.run_sync(self.stream.poll, self.key)
        except Exception:
            logger.exception("feed %s %s: polling failed", self.stream.name, self.key)
            return
        if message != self.last_message:
            self.last_message = message
            await self.fan_out(message)

    async def fan_out(self, message: dict, sockets: list[FeedSocket] | None = None, *, text: str | None = None) -> None:
        text = encode(message) if text is None else text
        for socket in sockets if sockets is not None else list(self.sockets):
            try:
                await socket.offer(self.stream.name, message, text)
            except Exception:
                logger.exception("feed %s %s: sending to a socket failed", self.stream.name, self.key)


class FeedHub:
    """The registry of this process's feed sockets and of the stream keys they receive."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.layer = get_channel_layer()
        self.feeds: dict[tuple[str, str], KeyFeed] = {}
        self.connected: dict[FeedSocket, Connected] = {}
        self._joined: dict[FeedSocket, set[tuple[str, str]]] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-hub-db")
        self._connections_executor = ThreadPoolExecutor(max_workers=CONNECTION_THREADS,
                                                        thread_name_prefix="feed-connection-db")
        self._stopping: set[asyncio.Task] = set()
        if isinstance(self.layer, InMemoryChannelLayer):
            in_memory_reader_loop_set(loop)
        self._sweeper = loop.create_task(self._sweep(), name="feed sweeper")

    def add(self, socket: FeedSocket, *, slot: Slot | None, subscriber: FeedSubscriber) -> None:
        """Count the socket as connected here (heartbeats, slot renewal, rights checked again)."""
        self.connected[socket] = Connected(slot=slot, subscriber=subscriber)
        self._joined.setdefault(socket, set())

    def remove(self, socket: FeedSocket) -> Slot | None:
        """Take the socket out of every key it receives; returns the slot it held."""
        for stream_key in list(self._joined.pop(socket, ())):
            self._leave(socket, stream_key)
        connected = self.connected.pop(socket, None)
        return connected.slot if connected is not None else None

    async def join(self, socket: FeedSocket, stream: FeedStream, key: str) -> None:
        """Deliver the key's messages to the socket from now on (returns once this process receives them)."""
        feed = self.feeds.get((stream.name, key))
        if feed is None:
            feed = self.feeds[(stream.name, key)] = KeyFeed(self, stream, key)
            feed.sockets.add(socket)
            try:
                await feed.start()
            except BaseException:  # the layer is unreachable: the next socket tries afresh
                del self.feeds[(stream.name, key)]
                raise
        else:
            feed.sockets.add(socket)
            feed.idle_since = None
            await feed.ready.wait()
        self._joined.setdefault(socket, set()).add((stream.name, key))

    async def send_current(self, socket: FeedSocket, stream: FeedStream, key: str) -> None:
        """A polled stream's current message to a socket that just joined (then only its changes)."""
        feed = self.feeds.get((stream.name, key))
        if feed is None or stream.poll is None:
            return
        if feed.last_message is None:
            await feed.poll()
        else:
            await feed.fan_out(feed.last_message, sockets=[socket])

    def sent_after(self, stream: FeedStream, key: str, *, after: int, limit: int) -> list[tuple[int, dict, str]] | None:
        """What this process's feed of (stream, key) sent after `after` (KeyFeed.sent_after); None: ask the database."""
        feed = self.feeds.get((stream.name, key))
        return None if feed is None or not feed.ready.is_set() else feed.sent_after(after, limit)

    def leave(self, socket: FeedSocket, stream: FeedStream) -> None:
        """Stop delivering the stream to the socket. A key nobody here wants lingers (LINGER_SECONDS)."""
        for stream_key in [k for k in self._joined.get(socket, ()) if k[0] == stream.name]:
            self._joined[socket].discard(stream_key)
            self._leave(socket, stream_key)

    def _leave(self, socket: FeedSocket, stream_key: tuple[str, str]) -> None:
        feed = self.feeds.get(stream_key)
        if feed is not None:
            feed.sockets.discard(socket)
            if not feed.sockets:
                feed.idle_since = time.monotonic()

    async def run_sync(self, function: Callable, /, *args, **kwargs):
        """Run a database read on the hub's own thread, so a burst of connections does not delay it."""
        return await self._run(self._executor, function, *args, **kwargs)

    async def run_for_connection(self, function: Callable, /, *args, **kwargs):
        """Run a connection's database work (authentication, slot, replay) on one of CONNECTION_THREADS
        threads: connections side by side, never behind one another on the one thread that Channels'
        database_sync_to_async shares with the whole process, nor in front of the hub's reads."""
        return await self._run(self._connections_executor, function, *args, **kwargs)

    async def _run(self, executor: ThreadPoolExecutor, function: Callable, /, *args, **kwargs):
        def call():
            close_old_connections()
            try:
                return function(*args, **kwargs)
            finally:
                close_old_connections()

        return await self.loop.run_in_executor(executor, call)

    async def _sweep(self) -> None:
        next_renewal = time.monotonic() + SLOT_RENEW_SECONDS
        next_group_renewal = time.monotonic() + GROUP_RENEW_SECONDS
        next_rights_check = time.monotonic() + RIGHTS_CHECK_SECONDS
        next_gap_check = time.monotonic() + GAP_CHECK_SECONDS
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            now = time.monotonic()
            for socket in list(self.connected):
                try:
                    await socket.tick(now)
                except Exception:
                    logger.exception("feed: a heartbeat failed")
            for stream_key, feed in list(self.feeds.items()):
                if feed.idle_since is not None and now - feed.idle_since > LINGER_SECONDS:
                    del self.feeds[stream_key]
                    stopping = asyncio.create_task(feed.stop())
                    self._stopping.add(stopping)
                    stopping.add_done_callback(self._stopping.discard)
                elif feed.stream.poll is not None and feed.sockets and now >= feed.next_poll and feed.ready.is_set():
                    await feed.poll()
            if now >= next_gap_check:
                next_gap_check = now + GAP_CHECK_SECONDS
                for feed in list(self.feeds.values()):
                    if feed.sockets:
                        await feed.check_gap()
            if now >= next_renewal:
                next_renewal = now + SLOT_RENEW_SECONDS
                held = [connected.slot for connected in self.connected.values() if connected.slot is not None]
                try:
                    await self.run_sync(connection_slots_renew, slots=held)
                except Exception:
                    logger.exception("feed: renewing %s connection slots failed", len(held))
            if now >= next_rights_check:
                next_rights_check = now + RIGHTS_CHECK_SECONDS
                await self._close_refused()
            if now >= next_group_renewal:
                next_group_renewal = now + GROUP_RENEW_SECONDS
                for feed in list(self.feeds.values()):
                    await feed.renew_group()

    async def _close_refused(self) -> None:
        """Close the sockets whose key was revoked, whose member left, or whose tenant's plan changed."""
        sockets = list(self.connected)
        try:
            refused = await self.run_sync(feed_subscribers_refused,
                                          subscribers=[self.connected[socket].subscriber for socket in sockets])
        except Exception:
            logger.exception("feed: checking %s subscribers' rights failed", len(sockets))
            return
        for position, refusal in refused.items():
            await sockets[position].close(refusal.code, refusal.reason)

    async def stop(self) -> None:
        """Leave every group and stop the hub's tasks (tests, shutdown)."""
        self._sweeper.cancel()
        await asyncio.gather(self._sweeper, return_exceptions=True)
        for feed in list(self.feeds.values()):
            await feed.stop()
        self.feeds.clear()
        if isinstance(self.layer, InMemoryChannelLayer):
            in_memory_reader_loop_set(None)
        await self.loop.run_in_executor(self._executor, connections.close_all)
        self._executor.shutdown(wait=True)


_hub: FeedHub | None = None


def feed_hub() -> FeedHub:
    """This process's hub, on the running event loop (a new one when the loop changed, as between tests)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = FeedHub(loop)
    return _hub


async def feed_hub_stop() -> None:
    global _hub
    if _hub is not None and _hub.loop is asyncio.get_running_loop():
        await _hub.stop()
    _hub = None
