"""WebSocket routing. Consumers authenticate themselves (session or API key) in `connect`.

A browser always sends an Origin, which must be one of ALLOWED_HOSTS (a page of another site cannot
ride the session cookie); a program sends none and authenticates with an API key.
"""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from signals.consumers import FeedConsumer

websocket_urlpatterns: list = [
    path("ws/v1/feed/", FeedConsumer.as_asgi()),
]


class BrowserOriginValidator(OriginValidator):
    """ALLOWED_HOSTS for a connection with an Origin header; one without is a program, not a page."""

    def valid_origin(self, parsed_origin):
        return parsed_origin is None or super().valid_origin(parsed_origin)


websocket_application = BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
                                               settings.ALLOWED_HOSTS)
