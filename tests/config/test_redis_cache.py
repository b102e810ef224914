"""The Redis cache shares one connection pool per process, however many cache objects Django makes."""

import threading

import pytest
import redis
from django.core.cache import caches


def _connections(server) -> int:
    database = server.connection_pool.connection_kwargs.get("db", 0)
    return len([client for client in server.client_list() if int(client["db"]) == database])


@pytest.mark.redis
def test_cache_objects_of_new_contexts_share_the_processs_redis_connections(settings):
    server = redis.Redis.from_url(settings.REDIS_URL)
    before = _connections(server)
    backends = []

    def request():  # under ASGI each request's context gets cache objects of its own, as a new thread does
        backend = caches["default"]
        backend.set("shared", 1)
        backend.get("shared")
        backends.append(backend)

    for _ in range(20):  # one request after another
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()

    assert len({id(backend) for backend in backends}) == 20  # 20 cache objects...
    assert _connections(server) - before <= 1  # ...over at most one new connection
