"""WebSocket consumers: thin, they authenticate and hand each frame to a service."""

from __future__ import annotations

import asyncio

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer

from signals.feed_connection import FeedConnection


class FeedConsumer(AsyncWebsocketConsumer):
    """/ws/v1/feed/: the live feed. Accepts, then lets FeedConnection authenticate the client (website
    session, or an API key in the first message), subscribe it and refuse what it may not have."""

    # No channel per socket: the process's feed hub receives each stream once for all its sockets.
    channel_layer_alias = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # daphne cancels an instance that has not ended application_close_timeout after its client left
            # (a busy server): the socket must still leave the hub and free its slot, or its tenant's
            # connections stay counted for good.
            connection = getattr(self, "connection", None)
            if connection is not None:
                await asyncio.shield(connection.end())

    async def connect(self):
        await self.accept()  # accepted first, so that a refusal can say why before it closes
        self.connection = FeedConnection(send_text=self._send_text, close_transport=self._close)
        await self.connection.open(query_string=self.scope.get("query_string", b""), user=self.scope.get("user"),
                                   session=self.scope.get("session"))

    async def dispatch(self, message):
        # Channels closes stale database connections before every handler, a hop to the sync thread
        # for each frame (a thousand clients answering heartbeats queue there). Every database call of
        # the feed goes through the hub's threads (FeedHub.run_sync, run_for_connection), which close them.
        await getattr(self, get_handler_name(message))(message)

    async def receive(self, text_data=None, bytes_data=None):
        await self.connection.receive(text_data)

    async def disconnect(self, code):
        await self.connection.end()

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    async def _close(self, code: int, reason: str) -> None:
        await self.close(code=code, reason=reason)
