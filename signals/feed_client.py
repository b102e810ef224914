"""The reference client of the live feed (no Django: copy it into any program).

It connects with an API key, answers heartbeats, hands on each message once and, after any
disconnect, reconnects and resumes from the last signal sequence it handed on (kept in a state file,
so a restarted program resumes too). From a shell:

    python manage.py feed --key bk_... [--url ws://127.0.0.1:8000/ws/v1/feed/] [--after N]
        [--state-file feed.json] [--stream engine] [--symbol EURUSD] [--timeframe H1] [--asset-class forex]

prints one JSON line per message. From a program:

    client = FeedClient(url=URL, key=KEY, state_file=Path("feed.json"), on_message=handle)
    await client.run()

Delivery to `on_message` is at least once across restarts: the state file is written after each
message is handed on, so a crash in between hands that one message on again when the program
restarts (compare seq). Within one run each seq is handed on once.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_URL = "ws://127.0.0.1:8000/ws/v1/feed/"
ANSWERS = frozenset({"auth.ok", "subscribed", "unsubscribed", "resumed", "heartbeat", "error"})
FINAL_CODES = {4401: "authentication refused", 4403: "not entitled"}  # reconnecting cannot help


class FeedClosed(Exception):
    def __init__(self, code: int | None, reason: str):
        super().__init__(f"closed with {code}: {reason}")
        self.code, self.reason = code, reason


class FeedClient:
    def __init__(self, *, url: str = DEFAULT_URL, key: str, after: int | None = None,
                 state_file: Path | None = None, streams: tuple[str, ...] = ("signals",),
                 filters: dict | None = None, on_message: Callable[[dict], Awaitable[None] | None] | None = None,
                 max_backoff_seconds: float = 30.0):
        self.url, self.key, self.state_file = url, key, state_file
        self.streams, self.filters = streams, filters or {}
        self.on_message = on_message or _print_json_line
        self.max_backoff_seconds = max_backoff_seconds
        self.last_seq = after if after is not None else self._state()
        self.connections = 0  # how many times it connected (1 + reconnects)
        self.skipped = 0  # signals received again (at or below the last seq), not handed on
        self.closes: Counter[int | None] = Counter()  # the server's closes (and broken connections: None), by code
        self.live = asyncio.Event()  # set while the signals stream is live (subscribed, or resumed)
        self._last_error = ""
        self._authenticated = False

    def _state(self) -> int | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        return json.loads(self.state_file.read_text())["after"]

    def _save_state(self) -> None:
        if self.state_file is not None:
            partial = self.state_file.with_name(self.state_file.name + ".partial")
            partial.write_text(json.dumps({"after": self.last_seq}))
            os.replace(partial, self.state_file)

    async def run(self, *, stop: asyncio.Event | None = None) -> None:
        """Receive until `stop` is set, reconnecting (with backoff) after anything but a final refusal."""
        stop = stop or asyncio.Event()
        backoff = 0.5
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                self._authenticated = False
                try:
                    await self._connection(session, stop)
                except FeedClosed as closed:
                    self.closes[closed.code] += 1
                    if closed.code in FINAL_CODES:
                        raise
                    logger.warning("feed %s; reconnecting", closed)
                except (TimeoutError, aiohttp.ClientError, OSError) as error:
                    logger.warning("feed connection failed (%s); reconnecting", error)
                if self._authenticated:  # it was up: the next try comes quickly
                    backoff = 0.5
                if not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=backoff)
                    backoff = min(backoff * 2, self.max_backoff_seconds)

    async def _connection(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        async with session.ws_connect(self.url, autoping=True, max_msg_size=0) as ws:
            self.connections += 1
            self._last_error = ""
            await ws.send_json({"action": "auth", "key": self.key})
            await self._expect(ws, "auth.ok")
            self._authenticated = True
            others = [name for name in self.streams if name != "signals"]
            if "signals" in self.streams:
                if self.last_seq is None:
                    await ws.send_json({"action": "subscribe", "streams": ["signals"], "filters": self.filters})
                else:
                    await ws.send_json({"action": "resume", "after": self.last_seq, "filters": self.filters})
            if others:
                await ws.send_json({"action": "subscribe", "streams": others})
            # One task waits for `stop` and closes the socket, which ends the read below: a frame costs one
            # awaited read, not a task and a wait of its own (a third of a client's CPU at 10 frames a second).
            closing = asyncio.create_task(_close_when_set(stop, ws))
            try:
                while True:
                    frame = await ws.receive()
                    if stop.is_set():
                        return
                    await self._handle(ws, frame)
            finally:
                closing.cancel()
                self.live.clear()

    async def _expect(self, ws, message_type: str) -> dict:
        """The next message of `message_type`; FeedClosed (with the server's reason) if it closes first."""
        while True:
            message = await self._handle(ws, await ws.receive(timeout=30))
            if message["type"] == message_type:
                return message

    async def _handle(self, ws, frame: aiohttp.WSMessage) -> dict:
        if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
            raise FeedClosed(ws.close_code, self._last_error or "closed by the server")
        if frame.type == aiohttp.WSMsgType.ERROR:
            raise FeedClosed(None, f"connection error: {ws.exception()}")
        message = json.loads(frame.data)
        kind = message["type"]
        if kind == "heartbeat":
            await ws.send_json({"action": "pong", "id": message["data"]["id"]})
        elif kind in ("subscribed", "resumed") and "signals" in message["data"].get("streams", ()):
            self.live.set()
        elif kind == "error":
            self._last_error = message["data"]["message"]
            logger.warning("feed error %s: %s", message["data"]["code"], message["data"]["message"])
        elif kind not in ANSWERS:
            await self._hand_on(message)
        return message

    async def _hand_on(self, message: dict) -> None:
        seq = message["seq"] if message["type"].startswith("signal.") else None
        if seq is not None and self.last_seq is not None and seq <= self.last_seq:
            self.skipped += 1  # handed on already
            return
        result = self.on_message(message)
        if inspect.isawaitable(result):
            await result
        if seq is not None:
            self.last_seq = seq
            self._save_state()


async def _close_when_set(stop: asyncio.Event, ws: aiohttp.ClientWebSocketResponse) -> None:
    await stop.wait()
    await ws.close()


def _print_json_line(message: dict) -> None:
    print(json.dumps(message, separators=(",", ":")), flush=True)
