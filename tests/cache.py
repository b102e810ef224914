"""Emptying the cache between tests without touching what shares its Redis database.

Django's RedisCache.clear() is FLUSHDB: with one REDIS_URL it also wipes the channel layer's
groups (a live server's feed stops hearing its streams) and Celery's queues. Only the cache's own
keys are deleted here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def cache_empty() -> None:
    """Delete every key of the default cache (and nothing else)."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        cache.clear()
        return
    import redis

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start:start + 1000])
    finally:
        client.close()
