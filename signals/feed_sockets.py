"""One feed socket's delivery: its subscriptions, its bounded outbox and the heartbeats that prove the
client reads. Plain asyncio, no Django.

Under daphne a send never blocks: a frame the client does not read waits in the server's transport
buffer, which the application cannot see, and would grow without bound. So the socket counts what it
sent against what the client confirmed. A heartbeat `{"type": "heartbeat", "data": {"id": K}}`
follows the frames sent before it, and the client's `{"action": "pong", "id": K}` proves it read
them (its id is random: only a client that read it can answer). At most `in_flight` frames go out
unconfirmed; the next wait in the outbox. A client that lets `outbox` frames pile up is closed with
4409, one that leaves a heartbeat unanswered for `pong_deadline_seconds` with 4408. Live frames are
str objects shared by every socket of the process, so a waiting frame costs a socket one pointer.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from signals.feed_protocol import CLOSE_TOO_LATE, CLOSE_TOO_SLOW, encode, envelope, error_message

SendText = Callable[[str], Awaitable[None]]
CloseTransport = Callable[[int, str], Awaitable[None]]


@dataclass(frozen=True)
class DeliveryLimits:
    in_flight: int = 256  # frames sent and not yet confirmed by a pong
    ping_every: int = 64  # frames between two heartbeats while sending
    outbox: int = 1024  # frames waiting for the client to confirm what it has
    held: int = 10_000  # live frames held back while a resume replays
    heartbeat_seconds: float = 15.0
    pong_deadline_seconds: float = 10.0


@dataclass
class Subscription:
    """A stream the socket receives. `accepts` applies the client's filters to a message; on an ordered
    stream, `last_seq` is the newest seq sent, and nothing at or below it is sent again."""

    accepts: Callable[[dict], bool]
    ordered: bool = False
    last_seq: int = 0
    held: deque[tuple[int | None, str]] | None = None  # while resuming: live frames kept for after the replay


class FeedSocket:
    def __init__(self, *, send_text: SendText, close_transport: CloseTransport,
                 limits: DeliveryLimits | None = None, on_close: Callable[[], Awaitable[None]] | None = None):
        self._send_text = send_text
        self._close_transport = close_transport
        self._on_close = on_close
        self.limits = limits or DeliveryLimits()
        self.subscriptions: dict[str, Subscription] = {}
        self.outbox: deque[str] = deque()
        self.sent = 0  # frames sent
        self.confirmed = 0  # frames sent before the newest answered heartbeat
        self._pings: deque[tuple[int, int, float]] = deque()  # unanswered: (id, frames sent before it, when)
        # Sockets of one stream send the same frames at once: their heartbeats (and the answers to them)
        # start at a random point of the window, so that a thousand answers do not arrive together.
        self._sent_at_last_ping = -random.randrange(self.limits.ping_every)
        self._last_ping_at = time.monotonic()
        self._flushing = False
        self._room = asyncio.Event()
        self._room.set()
        self.closed: tuple[int, str] | None = None

    # --- what the socket receives -------------------------------------------------------------------

    def subscribe(self, stream: str, accepts: Callable[[dict], bool], *, ordered: bool = False) -> Subscription:
        """Receive `stream` (its filters replaced if already subscribed)."""
        subscription = self.subscriptions.get(stream)
        if subscription is None:
            subscription = self.subscriptions[stream] = Subscription(accepts=accepts, ordered=ordered)
        subscription.accepts = accepts
        return subscription

    def unsubscribe(self, stream: str) -> None:
        self.subscriptions.pop(stream, None)

    async def offer(self, stream: str, message: dict, text: str) -> None:
        """A live message of `stream`, encoded as `text`: sent, held during a resume, or not wanted."""
        subscription = self.subscriptions.get(stream)
        if subscription is None or self.closed or not subscription.accepts(message):
            return
        if subscription.held is not None:
            subscription.held.append((message.get("seq"), text))
            if len(subscription.held) > self.limits.held:
                await self.close(CLOSE_TOO_SLOW, "The resume is too far behind the live stream; resume again "
                                                 "after the last seq you received.")
            return
        await self._deliver_once(subscription, message.get("seq"), text)

    def hold(self, stream: str, *, after: int) -> None:
        """Keep the stream's live messages back until `release`: a resume sends what follows `after` first."""
        subscription = self.subscriptions[stream]
        subscription.held, subscription.last_seq = deque(), after

    async def replay(self, stream: str, message: dict, text: str) -> None:
        """A message read from the database for a resume (the client's filters already applied)."""
        subscription = self.subscriptions.get(stream)
        if subscription is not None and not self.closed:
            await self._deliver_once(subscription, message["seq"], text)

    async def release(self, stream: str) -> None:
        """Send the held live messages the replay did not send, then go live."""
        subscription = self.subscriptions.get(stream)
        if subscription is None or subscription.held is None:
            return
        held = subscription.held
        while held and not self.closed:
            seq, text = held.popleft()
            await self._deliver_once(subscription, seq, text)
        subscription.held = None

    async def _deliver_once(self, subscription: Subscription, seq: int | None, text: str) -> None:
        if subscription.ordered and isinstance(seq, int):
            if seq <= subscription.last_seq:
                return  # sent already: replayed, while its live copy was on its way
            subscription.last_seq = seq
        await self.deliver(text)

    # --- sending with flow control ------------------------------------------------------------------

    async def deliver(self, text: str) -> None:
        """Send `text` after everything queued before it, or queue it while the client catches up."""
        if self.closed:
            return
        self.outbox.append(text)
        if len(self.outbox) > self.limits.outbox:
            await self.close(CLOSE_TOO_SLOW, f"More than {self.limits.outbox} messages wait for this client: "
                                             "it does not read fast enough. Reconnect and resume.")
            return
        await self._flush()

    async def wait_for_room(self) -> None:
        """Return once the outbox is at most half full (a replay sends no faster than the client reads)."""
        await self._room.wait()

    async def _flush(self) -> None:
        if self._flushing:  # the running flush sends what was queued behind it, in order
            return
        self._flushing = True
        try:
            while self.outbox and not self.closed and self.sent - self.confirmed < self.limits.in_flight:
                await self._send_text(self.outbox.popleft())
                self.sent += 1
                if self.sent - self._sent_at_last_ping >= self.limits.ping_every:
                    await self._ping()
        finally:
            self._flushing = False
        if len(self.outbox) <= self.limits.outbox // 2:
            self._room.set()
        else:
            self._room.clear()

    async def _ping(self) -> None:
        ping_id = secrets.randbits(52)  # unguessable: only a client that read the heartbeat can answer it
        self._pings.append((ping_id, self.sent, time.monotonic()))
        self._sent_at_last_ping, self._last_ping_at = self.sent, time.monotonic()
        await self._send_text(encode(envelope("heartbeat", {"id": ping_id})))

    async def pong(self, ping_id: int) -> None:
        """The client answered heartbeat `ping_id`: it read every frame sent before it (and so the
        heartbeats before it). An id this socket is not waiting for confirms nothing."""
        if all(pending != ping_id for pending, _, _ in self._pings):
            return
        while True:
            pending, sent_before, _ = self._pings.popleft()
            self.confirmed = max(self.confirmed, sent_before)
            if pending == ping_id:
                break
        await self._flush()

    async def tick(self, now: float) -> None:
        """Called about once a second: close a client that stopped answering, else keep it beating."""
        if self.closed:
            return
        if self._pings and now - self._pings[0][2] > self.limits.pong_deadline_seconds:
            await self.close(CLOSE_TOO_LATE,
                             f"Heartbeat {self._pings[0][0]} was not answered within "
                             f"{self.limits.pong_deadline_seconds:g} s: the client stopped reading. Reconnect and "
                             f"resume, and answer each heartbeat with {{\"action\": \"pong\", \"id\": <id>}}.")
        elif now - self._last_ping_at >= self.limits.heartbeat_seconds:
            await self._ping()

    # --- closing -----------------------------------------------------------------------------------

    def gone(self) -> None:
        """The client disconnected: nothing more is sent."""
        if self.closed is None:
            self.closed = (1000, "disconnected")
        self.outbox.clear()
        self.subscriptions.clear()
        self._room.set()

    async def close(self, code: int, reason: str) -> None:
        """Say why in a last error message, close with `code`, and let the owner clean up; once."""
        if self.closed:
            return
        self.closed = (code, reason)
        self.outbox.clear()
        self.subscriptions.clear()
        self._room.set()
        try:
            await self._send_text(encode(error_message(code, reason)))
            await self._close_transport(code, reason)
        finally:
            if self._on_close is not None:
                await self._on_close()
