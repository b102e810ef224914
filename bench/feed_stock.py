"""The stock Channels design of a live feed, the baseline bench_feed.py measures ours against.

Every socket is a consumer with a channel of its own in its tier's group (`signals.<tier>`); each
published message is one group_send, which channels-redis delivers to each member's channel, and
each consumer encodes and sends it. It speaks just enough of the feed protocol for the reference
client (auth, subscribe; resume subscribes without replay). Not part of the service.

    daphne bench.feed_stock:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
django_asgi_app = get_asgi_application()

from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from signals.feed_subscribers import feed_subscriber_for_key  # noqa: E402
from signals.publishing import tier_group_name  # noqa: E402


class StockFeedConsumer(AsyncJsonWebsocketConsumer):
    group = None

    async def receive_json(self, content, **kwargs):
        if content.get("action") == "auth":
            subscriber = await database_sync_to_async(feed_subscriber_for_key)(plaintext=content["key"])
            self.group = tier_group_name(subscriber.tier)
            await self.send_json({"type": "auth.ok", "seq": None, "data": {"plan": subscriber.tier}})
        elif content.get("action") in ("subscribe", "resume") and self.group:
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.send_json({"type": "subscribed", "seq": None, "data": {"streams": ["signals"]}})

    async def signal_published(self, event):
        await self.send_json(event)

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/v1/feed/", StockFeedConsumer.as_asgi())])})
