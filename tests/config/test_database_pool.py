"""PostgreSQL connections come from a pool per process, sized from the environment; SQLite has none."""

import threading

import pytest
from django.db import connection

from tests.config.test_deploy_settings import _settings_value

PRODUCTION = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "beacon.example.com"}
DATABASE = "settings.DATABASES['default'].get('OPTIONS', {}).get('pool'), settings.DATABASES['default']['CONN_MAX_AGE']"


def test_postgresql_gets_a_pool_sized_from_the_environment():
    value = _settings_value("config.settings.production", DATABASE, DATABASE_URL="postgres://beacon@db/beacon",
                            DATABASE_POOL_MAX_SIZE="7", DATABASE_POOL_MIN_SIZE="3", **PRODUCTION)

    assert value == "{'min_size': 3, 'max_size': 7, 'timeout': 10.0} 0"


def test_a_pool_size_of_zero_turns_the_pool_off():
    value = _settings_value("config.settings.production", DATABASE, DATABASE_URL="postgres://beacon@db/beacon",
                            DATABASE_POOL_MAX_SIZE="0", CONN_MAX_AGE="30", **PRODUCTION)

    assert value == "None 30"


def test_the_embedded_sqlite_database_has_no_pool():
    assert _settings_value("config.settings.local", DATABASE).startswith("None ")


@pytest.mark.postgres
def test_concurrent_threads_share_at_most_the_pools_connections(db):
    if connection.pool is None:
        pytest.skip("the pool is turned off (DATABASE_POOL_MAX_SIZE=0)")
    backends: set[int] = set()
    start = threading.Barrier(3 * connection.pool.max_size // 2)

    def request():
        start.wait()
        with connection.cursor() as cursor:  # as a request's thread under daphne
            cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.05)")
            backends.add(cursor.fetchone()[0])
        connection.close()  # request_finished: the connection goes back to the pool

    threads = [threading.Thread(target=request) for _ in range(start.parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 0 < len(backends) <= connection.pool.max_size
