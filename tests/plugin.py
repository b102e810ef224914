"""pytest plugin (loaded by addopts): server tests need their server, and CI never skips them.

Tests marked `postgres` or `redis` are skipped with the reason when DATABASE_URL / REDIS_URL do
not point at one; when CI is set the same test fails instead, so CI cannot pass by skipping.
Tests marked `e2e` need Debian's Chromium at /usr/bin/chromium, under the same rule.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def redis_url_for_worker(url: str, worker: str) -> str:
    """The Redis database of one pytest-xdist worker: `gw<n>` takes the n-th database after REDIS_URL's.

    Workers share the Redis server but not its keys: the channel layer's groups, the cache and the
    Celery queues of one worker's tests are invisible to the other's (a feed test of gw1 must not hear
    a signal that gw0 published). PostgreSQL needs nothing: pytest-django gives each worker its own
    test database.
    """
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker.removeprefix("gw"))
    if database > 15:
        raise pytest.UsageError(f"REDIS_URL {url}: worker {worker} would need Redis database {database} (> 15)")
    return urlunsplit(parts._replace(path=f"/{database}"))


# Before Django reads its settings (this plugin is imported while pytest parses its options); the
# server processes that tests start inherit the worker's database through the environment.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL") and not os.environ.get("BEACON_REDIS_SPLIT"):
    _shared = os.environ["REDIS_URL"]
    os.environ["REDIS_URL"] = redis_url_for_worker(_shared, os.environ["PYTEST_XDIST_WORKER"])
    if os.environ.get("CELERY_BROKER_URL") == _shared:
        os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
    os.environ["BEACON_REDIS_SPLIT"] = "1"


def _missing_servers(item) -> list[str]:
    from django.conf import settings
    from django.db import connection

    missing = []
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://...)")
    if item.get_closest_marker("e2e") and not CHROMIUM.exists():
        missing.append("Chromium at /usr/bin/chromium (apt-get install chromium)")
    return missing


def pytest_runtest_setup(item):
    missing = _missing_servers(item)
    if missing:
        reason = "needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"CI must run every server test: {reason}", pytrace=False)
        pytest.skip(reason)
