"""Each pytest-xdist worker gets its own Redis database, so one worker's feed, cache and queues stay its own."""

import pytest

from tests.plugin import redis_url_for_worker


def test_the_first_worker_keeps_the_database_of_redis_url_and_the_next_take_the_following_ones():
    assert redis_url_for_worker("redis://127.0.0.1:6379/3", "gw0") == "redis://127.0.0.1:6379/3"
    assert redis_url_for_worker("redis://127.0.0.1:6379/3", "gw1") == "redis://127.0.0.1:6379/4"
    assert redis_url_for_worker("redis://user:pw@cache:6380", "gw2") == "redis://user:pw@cache:6380/2"


def test_a_worker_beyond_the_sixteen_redis_databases_is_refused_with_the_reason():
    with pytest.raises(pytest.UsageError, match="database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", "gw1")
