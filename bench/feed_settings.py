"""bench_feed's server settings: production's, with two channels-redis connection options that the
stock design needs with redis-py 8, given to both designs so that the figures compare fan-out:
- a socket timeout longer than channels-redis's 5 s blocking pop: redis-py 8's default is 5 s, so an
  idle channel's pop can fail with a TimeoutError, which ends a stock consumer (close 1011);
- more than redis-py 8's default 100 connections a pool: a thousand stock consumers joining their
  group at once fail with "Too many connections" (it raises, it does not wait)."""

import os

# Production refuses to start without a vault master key; the bench's tenants keep no secrets.
os.environ.setdefault("VAULT_MASTER_KEYS", "bench:" + "A" * 43 + "=")

from config.settings.production import *  # noqa: F403
from config.settings.production import REDIS_URL

CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 2000}]}},
}
