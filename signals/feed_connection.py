"""One feed client's connection: authentication, its actions, its connection slot, its place in the hub.

The consumer hands it the socket's opening and every frame. Until it has authenticated (the website
session at once, else an API key in the first message, within AUTH_TIMEOUT_SECONDS) a client is
only answered with a close; after, a bad action gets an error and the socket stays open.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from signals.feed_hub import feed_hub
from signals.feed_protocol import (
    BAD_REQUEST,
    CLOSE_TOO_LATE,
    CLOSE_TOO_MANY_CONNECTIONS,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
    Action,
    BadAction,
    FeedRefused,
    action_parse,
    encode,
    envelope,
    error_message,
)
from signals.feed_slots import Slot, connection_slot_claim, connection_slot_release
from signals.feed_sockets import DeliveryLimits, FeedSocket
from signals.feed_streams import STREAMS, Accepts, FeedStream, accept_all, stream_get
from signals.feed_subscribers import (
    FeedSubscriber,
    feed_subscriber_for_key,
    feed_subscriber_for_session,
    url_carries_key,
)

logger = logging.getLogger(__name__)
AUTH_TIMEOUT_SECONDS = 5.0
REPLAY_PAGE = 200  # at most half an outbox, so a page always fits behind what waits
DELIVERY_LIMITS = DeliveryLimits()


class FeedConnection:
    def __init__(self, *, send_text: Callable[[str], Awaitable[None]],
                 close_transport: Callable[[int, str], Awaitable[None]]):
        self.id = uuid.uuid4().hex
        self.hub = feed_hub()
        self.socket = FeedSocket(send_text=send_text, close_transport=close_transport, limits=DELIVERY_LIMITS,
                                 on_close=self.end)
        self.subscriber: FeedSubscriber | None = None
        self._auth_deadline: asyncio.TimerHandle | None = None
        self._timeout_task: asyncio.Task | None = None
        self._resuming: asyncio.Task | None = None
        self._ended = False

    async def open(self, *, query_string: bytes, user, session) -> None:
        """The socket was accepted: refuse a key in the URL, take the session, or wait for an auth message."""
        if url_carries_key(query_string):
            await self.socket.close(CLOSE_UNAUTHENTICATED, 'API keys are never accepted in the URL. Connect without '
                                    'it and send {"action": "auth", "key": "<api key>"} as the first message.')
        elif user is not None and user.is_authenticated:
            await self._authenticate(lambda: feed_subscriber_for_session(user=user, session=session))
        else:
            self._auth_deadline = asyncio.get_running_loop().call_later(AUTH_TIMEOUT_SECONDS, self._auth_timed_out)

    def _auth_timed_out(self) -> None:
        self._timeout_task = asyncio.create_task(self.socket.close(
            CLOSE_TOO_LATE, f'Not authenticated within {AUTH_TIMEOUT_SECONDS:g} s: send '
                                   '{"action": "auth", "key": "<api key>"} as the first message.'))

    async def receive(self, text: str | None) -> None:
        if self.socket.closed:
            return  # a frame that crossed our close
        try:
            action = action_parse(text)
        except BadAction as error:
            if self.subscriber is None:
                await self.socket.close(CLOSE_UNAUTHENTICATED, f"Authenticate first. {error}")
            else:
                await self.socket.deliver(encode(error_message(BAD_REQUEST, str(error))))
            return
        if self.subscriber is None:
            if action.name != "auth":
                await self.socket.close(CLOSE_UNAUTHENTICATED,
                                        'Authenticate first: {"action": "auth", "key": "<api key>"}.')
            else:
                await self._authenticate(lambda: feed_subscriber_for_key(plaintext=action.key))
            return
        try:
            await self._act(action, self.subscriber)
        except BadAction as error:
            await self.socket.deliver(encode(error_message(BAD_REQUEST, str(error))))

    async def _authenticate(self, identify: Callable[[], FeedSubscriber]) -> None:
        if self._auth_deadline is not None:
            self._auth_deadline.cancel()
        try:
            subscriber, slot = await self.hub.run_for_connection(_identified_with_slot, identify, connection_id=self.id)
        except FeedRefused as refusal:
            await self.socket.close(refusal.code, refusal.reason)
            return
        allowed = subscriber.entitlements.websocket_connections
        if self._ended:  # closed meanwhile (its auth deadline passed): hold nothing
            if slot is not None:
                await self.hub.run_for_connection(connection_slot_release, slot=slot)
            return
        if slot is None:
            plan = subscriber.entitlements.plan_name
            await self.socket.close(CLOSE_TOO_MANY_CONNECTIONS,
                                    f"Your {plan} plan allows {allowed} live feed connection{'s' * (allowed > 1)} "
                                    f"at once and all are open. Close one, or upgrade for more.")
            return
        self.subscriber = subscriber
        self.hub.add(self.socket, slot=slot, subscriber=subscriber)
        limits = self.socket.limits
        await self.socket.deliver(encode(envelope("auth.ok", {
            "tenant_id": subscriber.tenant_id, "plan": subscriber.tier, "via": subscriber.via,
            "streams": list(STREAMS), "connections_allowed": allowed,
            "heartbeat_seconds": limits.heartbeat_seconds, "pong_deadline_seconds": limits.pong_deadline_seconds,
        })))

    async def _act(self, action: Action, subscriber: FeedSubscriber) -> None:
        if action.name == "pong":
            await self.socket.pong(action.ping_id)
        elif action.name == "subscribe":
            await self._subscribe(action, subscriber)
        elif action.name == "unsubscribe":
            for stream in [stream_get(name) for name in action.streams]:
                if self._resuming is not None and self._resuming.get_name() == stream.name:
                    self._resuming.cancel()
                self.socket.unsubscribe(stream.name)
                self.hub.leave(self.socket, stream)
            await self._answer("unsubscribed")
        elif action.name == "resume":
            stream = stream_get(action.stream)
            if stream.replay is None:
                raise BadAction(f"The {stream.name} stream cannot be resumed; subscribe to it.")
            if self._resuming is not None and not self._resuming.done():
                raise BadAction("A resume is under way; wait for its resumed answer.")
            subscription = self.socket.subscriptions.get(stream.name)
            accepts = (subscription.accepts if subscription and not action.filters
                       else _accepts(stream, action.filters, subscriber))
            # A task of its own: a long replay waits for the client's heartbeat answers, which this
            # consumer must go on receiving meanwhile.
            self._resuming = asyncio.create_task(self._resume(stream, accepts, subscriber, after=action.after),
                                                 name=stream.name)
            self._resuming.add_done_callback(_report_failure)
        else:
            raise BadAction("Already authenticated.")

    async def _subscribe(self, action: Action, subscriber: FeedSubscriber) -> None:
        streams = [stream_get(name) for name in action.streams]
        if action.filters and not any(stream.filters for stream in streams):
            raise BadAction(f"None of {', '.join(action.streams)} takes filters.")
        accepts = {stream.name: _accepts(stream, action.filters, subscriber) for stream in streams}  # all checked
        for stream in streams:
            self.socket.subscribe(stream.name, accepts[stream.name], ordered=stream.replay is not None)
            for key in stream.keys(subscriber):
                await self.hub.join(self.socket, stream, key)
        await self._answer("subscribed")
        for stream in streams:
            for key in stream.keys(subscriber):
                await self.hub.send_current(self.socket, stream, key)

    async def _resume(self, stream: FeedStream, accepts: Accepts, subscriber: FeedSubscriber, *, after: int) -> None:
        """Every message of the stream with a seq above `after`, in order, once, then the live stream:
        join first (live messages are held), replay from the database, then send what was held."""
        (key,) = stream.keys(subscriber)  # a resumable stream has one key per subscriber: one order
        replay = stream.replay
        assert replay is not None  # the resume action was refused for a stream without one
        self.socket.subscribe(stream.name, accepts, ordered=True)
        self.socket.hold(stream.name, after=after)
        await self.hub.join(self.socket, stream, key)
        cursor, replayed = after, 0
        while not self.socket.closed:
            # What this process sent and keeps, without the database; what it no longer keeps, from the database.
            # What it has not sent yet comes live (the socket joined first): in order, and once, as to every socket.
            page = self.hub.sent_after(stream, key, after=cursor, limit=REPLAY_PAGE)
            if page is None:
                messages = await self.hub.run_for_connection(replay, key=key, after=cursor, before=None,
                                                             limit=REPLAY_PAGE)
                page = [(message["seq"], message, encode(message)) for message in messages]
            for seq, message, text in page:
                if accepts(message):
                    await self.socket.replay(stream.name, message, text)
                    replayed += 1
                cursor = seq
            if len(page) < REPLAY_PAGE:
                break
            await self.socket.wait_for_room()
        await self._answer("resumed", stream=stream.name, after=after, replayed=replayed, last_seq=cursor)
        await self.socket.release(stream.name)

    async def _answer(self, message_type: str, **data) -> None:
        subscriptions = sorted(self.socket.subscriptions)
        await self.socket.deliver(encode(envelope(message_type, {"streams": subscriptions, **data})))

    async def end(self) -> None:
        """The socket closed, from either side: leave the hub and free the connection slot; once."""
        if self._ended:
            return
        self._ended = True
        if self._auth_deadline is not None:
            self._auth_deadline.cancel()
        if self._resuming is not None and self._resuming is not asyncio.current_task():
            self._resuming.cancel()  # (a replay that overfills the outbox closes from its own task)
        closed = self.socket.closed
        if closed is not None and closed[0] in (CLOSE_TOO_LATE, CLOSE_TOO_SLOW) and self.subscriber is not None:
            # A slow reader may never read its close frame (it waits behind what it has not read): say it here.
            logger.info("feed: closed a slow client (%s) of tenant %s, key %s: %s", closed[0],
                        self.subscriber.tenant_id, self.subscriber.key_prefix or "none (session)", closed[1])
        self.socket.gone()
        slot = self.hub.remove(self.socket)
        if slot is not None:
            await self.hub.run_for_connection(connection_slot_release, slot=slot)


def _identified_with_slot(identify: Callable[[], FeedSubscriber], *,
                          connection_id: str) -> tuple[FeedSubscriber, Slot | None]:
    """Who the client is (FeedRefused if nobody it may be) and a connection slot of its plan's (None: all taken)."""
    subscriber = identify()
    slot = connection_slot_claim(tenant_id=subscriber.tenant_id, limit=subscriber.entitlements.websocket_connections,
                                 connection_id=connection_id)
    return subscriber, slot


def _report_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("feed: a resume failed", exc_info=task.exception())


def _accepts(stream: FeedStream, filters: dict, subscriber: FeedSubscriber) -> Accepts:
    """The test a message of the stream passes to reach this subscriber: the client's filters, and what
    the stream lets this subscriber see."""
    wanted = stream.filters(filters) if filters and stream.filters is not None else accept_all
    may_see = stream.may_see
    if may_see is None:
        return wanted
    return lambda message: may_see(subscriber, message) and wanted(message)
