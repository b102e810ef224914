"""Counters in Django's cache, several at a time: one round trip to Redis however many there are.

`counters_add` adds to counters (creating each with its time to live) and answers their new values
(`counters_add_reading` also reads one cached value in the same round trip);
`counters_take` answers counters and sets them back to zero, atomically, so whatever is added after
stays for the next take. With Redis (production: shared by every web process) each call is one
pipeline; with another backend (the embedded mode's local memory) the counters are handled one by
one through the cache API; a take reads a counter and subtracts what it read, under a process lock
(local memory lives in the one process).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_take_lock = threading.Lock()


def _redis(cache: RedisCache, keys: list[str]):
    # The backend's own client and connection pool (Django keeps it behind `_cache`); keys are made
    # as the cache API makes them, so cache.get() reads what a pipeline wrote.
    return cache._cache.get_client(keys[0], write=True)


def counters_add(deltas: dict[str, tuple[int, int]]) -> list[int]:
    """Add each delta to its counter (key -> (delta, seconds to live)) and return the new values, in
    order. A counter that does not exist starts at its delta; its time to live restarts at each add."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        keys = [cache.make_and_validate_key(key) for key in deltas]
        with _redis(cache, keys).pipeline(transaction=False) as pipe:
            for key, (delta, seconds) in zip(keys, deltas.values(), strict=True):
                pipe.incrby(key, delta)
                pipe.expire(key, seconds)
            return [int(value) for value in pipe.execute()[::2]]
    return [_add_one(cache, key, delta, seconds) for key, (delta, seconds) in deltas.items()]


def counters_add_reading(deltas: dict[str, tuple[int, int]], *, read: str) -> tuple[list[int], Any]:
    """`counters_add(deltas)` and the value cached under `read` (None if there is none), in one round trip
    to Redis: the API's throttle counts a call and reads the tenant's entitlements together."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        keys = [cache.make_and_validate_key(key) for key in deltas]
        with _redis(cache, keys).pipeline(transaction=False) as pipe:
            pipe.get(cache.make_and_validate_key(read))
            for key, (delta, seconds) in zip(keys, deltas.values(), strict=True):
                pipe.incrby(key, delta)
                pipe.expire(key, seconds)
            value, *added = pipe.execute()
        # Decoded as cache.get() decodes it (Django's serializer for the cache's values).
        return [int(count) for count in added[::2]], None if value is None else cache._cache._serializer.loads(value)
    return counters_add(deltas), cache.get(read)


def _add_one(cache, key: str, delta: int, seconds: int) -> int:
    if cache.add(key, delta, timeout=seconds):
        return delta
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        cache.add(key, delta, timeout=seconds)
        return delta


def counters_take(keys: list[str]) -> list[int]:
    """The value of each counter (0 if missing), in order, each reset to nothing in the same step."""
    if not keys:
        return []
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        made = [cache.make_and_validate_key(key) for key in keys]
        with _redis(cache, made).pipeline(transaction=True) as pipe:  # MULTI/EXEC: nothing lands between
            for key in made:
                pipe.get(key)
            pipe.delete(*made)
            return [int(value or 0) for value in pipe.execute()[:-1]]
    with _take_lock:
        return [_take_one(cache, key) for key in keys]


def _take_one(cache, key: str) -> int:
    value = cache.get(key) or 0
    if value:
        with contextlib.suppress(ValueError):  # it expired meanwhile
            cache.decr(key, value)  # what was added since the read stays
    return value
