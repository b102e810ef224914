"""WebSocket routing. Consumers authenticate themselves (session or API key) in `connect`.

Only a connection that carries the session cookie goes through Channels' session and auth middleware:
each of those loads its part on the one thread that database_sync_to_async shares with the whole
process (a bot's hundred reconnects a second queued there) and wraps every frame sent. One without
it is anonymous from the start and authenticates with an API key.

A browser always sends an Origin, which must be one of ALLOWED_HOSTS (a page of another site cannot
ride the session cookie); a program sends none and authenticates with an API key. A refused connection
is answered 403 by a consumer without a channel of the layer: Channels' own denier takes one, and
blocks on a Redis read for it, for every refusal.
"""
from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.urls import path

from signals.consumers import FeedConsumer

websocket_urlpatterns: list = [
    path("ws/v1/feed/", FeedConsumer.as_asgi()),
]


class OriginRefused(WebsocketDenier):
    """Closes the socket before accepting it (daphne answers the handshake 403); holds no channel."""

    channel_layer_alias = None


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
