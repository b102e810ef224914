"""Fixtures every suite shares: alice (owner of tenant A), bob (member of A), charlie (owner of B).

Tests that need a real server are marked `postgres` or `redis`. Without DATABASE_URL / REDIS_URL
they are skipped with the reason; when CI is set, a skipped server test is a failure.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Membership, Role, Tenant, User

PASSWORD = "correct-horse-battery-9"


def pytest_runtest_setup(item):
    missing = []
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://...)")
    if missing:
        reason = "needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"CI must run every server test: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate-limit counters, heartbeat, usage)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _user(email: str, tenant: Tenant, role: str, **extra) -> User:
    from django.utils import timezone

    user = User.objects.create_user(email=email, password=PASSWORD, email_verified_at=timezone.now(), **extra)
    Membership.objects.create(user=user, tenant=tenant, role=role)
    return user


@pytest.fixture
def tenant_a(db) -> Tenant:
    return Tenant.objects.create(name="Alpha Capital", slug="alpha")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return Tenant.objects.create(name="Bravo Trading", slug="bravo")


@pytest.fixture
def alice(tenant_a) -> User:
    return _user("alice@example.com", tenant_a, Role.OWNER, full_name="Alice Owner")


@pytest.fixture
def bob(tenant_a) -> User:
    return _user("bob@example.com", tenant_a, Role.MEMBER, full_name="Bob Member")


@pytest.fixture
def charlie(tenant_b) -> User:
    return _user("charlie@example.com", tenant_b, Role.OWNER, full_name="Charlie Other")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def password() -> str:
    return PASSWORD
