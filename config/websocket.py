"""WebSocket routing. Consumers authenticate themselves (session or API key) in `connect`.

Only a connection that carries the session cookie goes through Channels' session and auth middleware:
each of those loads its part on the one thread that database_sync_to_async shares with the whole
process (a bot's hundred reconnects a second queued there) and wraps every frame sent. One without
it is anonymous from the start and authenticates with an API key.

A browser always sends an Origin, which must be one of ALLOWED_HOSTS (a page of another site cannot
ride the session cookie); a program sends none and authenticates with an API key. A refused connection
is answered 403 by a consumer without a channel of the layer: Channels' own denier takes one, and
blocks on a Redis read for it, for every refusal.

A path no consumer serves is accepted, told why in an error message and closed with CLOSE_NO_SUCH_PATH
and that reason, by a plain ASGI application that holds no channel either (the last route, which matches every path):
without it Channels' URLRouter raises ValueError, which daphne logs as an error before dropping the socket.
"""
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.urls import path, re_path

from signals.consumers import FeedConsumer
from signals.feed_protocol import encode, error_message

CLOSE_NO_SUCH_PATH = 4404


class OriginRefused(WebsocketDenier):
    """Closes the socket before accepting it (daphne answers the handshake 403); holds no channel."""

    channel_layer_alias = None


class NoSuchPath:
    """Accepts, so that the client reads a close code rather than a refused handshake, says why in an error
    message as the feed does (daphne drops a close's reason), and closes with CLOSE_NO_SUCH_PATH. A plain
    ASGI application, not a consumer: it holds no channel, and touches no database (a consumer closes the
    process's old database connections, on its one shared sync thread, for every event it dispatches)."""

    reason = "No such stream path: the live feed is /ws/v1/feed/."

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        while (event := await receive())["type"] != "websocket.disconnect":
            if event["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.send", "text": encode(error_message(CLOSE_NO_SUCH_PATH, self.reason))})
                await send({"type": "websocket.close", "code": CLOSE_NO_SUCH_PATH, "reason": self.reason})


websocket_urlpatterns: list = [
    path("ws/v1/feed/", FeedConsumer.as_asgi()),
    re_path(r"", NoSuchPath()),  # last: every path the routes above do not serve
]


class BrowserOriginValidator(OriginValidator):
    """ALLOWED_HOSTS for a connection with an Origin header; one without is a program, not a page."""

    async def __call__(self, scope, receive, send):
        origins = [urlparse(value.decode("latin-1")) for name, value in scope.get("headers", ()) if name == b"origin"]
        if self.valid_origin(origins[-1] if origins else None):
            return await self.application(scope, receive, send)
        return await OriginRefused()(scope, receive, send)

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or super().valid_origin(parsed_origin)


class SessionWhenCookie:
    """AuthMiddlewareStack for a connection with the session cookie; anonymous (no session) for one without."""

    def __init__(self, inner):
        self.inner = inner
        self.with_session = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        if _has_session_cookie(scope):
            return await self.with_session(scope, receive, send)
        return await self.inner({**scope, "user": AnonymousUser(), "session": None}, receive, send)


def _has_session_cookie(scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"cookie" and settings.SESSION_COOKIE_NAME in parse_cookie(value.decode("latin-1")):
            return True
    return False


websocket_application = BrowserOriginValidator(SessionWhenCookie(URLRouter(websocket_urlpatterns)),
                                               settings.ALLOWED_HOSTS)
