"""pytest plugin (loaded by addopts): server tests need their server, and CI never skips them.

Tests marked `postgres` or `redis` are skipped with the reason when DATABASE_URL / REDIS_URL do
not point at one; when CI is set the same test fails instead, so CI cannot pass by skipping.
Tests marked `e2e` need Debian's Chromium at /usr/bin/chromium, under the same rule.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


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
