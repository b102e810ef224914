"""Counters in the cache: added to in one step, taken exactly once, on Redis and on local memory alike."""

import threading
import time

import pytest
from django.core.cache import cache

from config.cache_counters import counters_add, counters_add_reading, counters_take
from tests.cache import cache_empty

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counters"}}


@pytest.fixture(params=["redis", "local memory"])
def backend(request, settings):
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("needs Redis (set REDIS_URL=redis://...)")
    else:
        settings.CACHES = LOCAL_MEMORY
    cache_empty()
    yield request.param
    cache_empty()


def test_adding_starts_missing_counters_at_their_delta_and_answers_the_new_values(backend):
    assert counters_add({"a": (1, 60), "b": (5, 60)}) == [1, 5]
    assert counters_add({"a": (1, 60), "b": (-2, 60)}) == [2, 3]
    assert (cache.get("a"), cache.get("b")) == (2, 3)  # the cache API reads what was added


def test_adding_can_read_a_cached_value_as_the_cache_api_wrote_it(backend):
    cache.set("plan", {"code": "pro", "limits": (10, 1000)}, 60)

    assert counters_add_reading({"a": (1, 60)}, read="plan") == ([1], {"code": "pro", "limits": (10, 1000)})
    assert counters_add_reading({"a": (1, 60)}, read="missing") == ([2], None)


def test_a_counter_lives_its_time_to_live(backend):
    counters_add({"short": (1, 1), "long": (1, 60)})

    time.sleep(1.2)

    assert (cache.get("short"), cache.get("long")) == (None, 1)


def test_taking_answers_each_value_once_and_leaves_zero(backend):
    counters_add({"a": (3, 60), "b": (4, 60)})

    assert counters_take(["a", "b", "missing"]) == [3, 4, 0]
    assert counters_take(["a", "b"]) == [0, 0]
    assert counters_add({"a": (1, 60)}) == [1]


def test_adds_racing_takes_are_each_taken_exactly_once(backend):
    taken: list[int] = []
    stop = threading.Event()

    def take_until_stopped():
        while not stop.is_set():
            taken.extend(counters_take(["racing"]))

    taker = threading.Thread(target=take_until_stopped)
    taker.start()
    for _ in range(300):
        counters_add({"racing": (1, 60)})
    stop.set()
    taker.join()

    assert sum(taken) + sum(counters_take(["racing"])) == 300
