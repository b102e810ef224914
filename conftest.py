"""Fixtures every suite shares: alice (owner of tenant A), bob (member of A), charlie (owner of B).

Server markers (postgres, redis, e2e) are enforced by tests/plugin.py.
"""

from __future__ import annotations

import pytest

from accounts.models import Membership, Role, Tenant, User

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True, scope="session")
def _celery_tasks_registered():
    """Every app's tasks registered in this process, as in a worker: a task sent by name (a closed-bar
    event's) then runs eagerly where a test asks for it, not via the broker."""
    from config.celery_app import app

    app.loader.import_default_modules()


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
