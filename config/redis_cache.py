"""Django's Redis cache with one connection pool, and one redis-py client on it, per process.

Django's RedisCache keeps its connection pool on the backend object, and Django keeps backend objects
per async context: under ASGI every request got its own, so every request opened a new connection to
Redis (1.0 per API request under daphne, measured) and built a new redis-py client for each cache call.
Here the backend objects of a process share one client per configuration. redis-py's pool is safe
across threads, and a forked child (a Celery worker) makes connections of its own.
"""

from __future__ import annotations

import threading

from django.core.cache.backends import redis
from django.utils.functional import cached_property

_clients: dict[tuple, SharedRedisCacheClient] = {}
_clients_lock = threading.Lock()


class SharedRedisCacheClient(redis.RedisCacheClient):
    """Django's client, handing out one redis-py client per server instead of a new one per call."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._redis_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            pool = self._pools.setdefault(index, self._pool_class.from_url(self._servers[index], **self._pool_options))
            client = self._redis_clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache` whose objects share their process's connections."""

    @cached_property
    def _cache(self) -> SharedRedisCacheClient:
        configuration = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            if configuration not in _clients:
                _clients[configuration] = SharedRedisCacheClient(self._servers, **self._options)
            return _clients[configuration]
