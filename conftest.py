"""Fixtures every suite shares: alice (owner of tenant A), bob (member of A), charlie (owner of B).

Server markers (postgres, redis, e2e) are enforced by tests/plugin.py.
"""

from __future__ import annotations

import pytest

from accounts.models import Role, Tenant, User
from tests.factories import PASSWORD, TenantFactory, member


@pytest.fixture(autouse=True, scope="session")
def _celery_tasks_registered():
    """Every app's tasks registered in this process, as in a worker: a task sent by name (a closed-bar
    event's) then runs eagerly where a test asks for it, not via the broker."""
    from config.celery_app import app

    app.loader.import_default_modules()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate-limit counters, heartbeat, usage)."""
    from tests.cache import cache_empty

    cache_empty()
    yield
    cache_empty()


@pytest.fixture
def tenant_a(db) -> Tenant:
    return TenantFactory(name="Alpha Capital", slug="alpha")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return TenantFactory(name="Bravo Trading", slug="bravo")


@pytest.fixture
def alice(tenant_a) -> User:
    return member(tenant_a, Role.OWNER, email="alice@example.com", full_name="Alice Owner")


@pytest.fixture
def bob(tenant_a) -> User:
    return member(tenant_a, Role.MEMBER, email="bob@example.com", full_name="Bob Member")


@pytest.fixture
def charlie(tenant_b) -> User:
    return member(tenant_b, Role.OWNER, email="charlie@example.com", full_name="Charlie Other")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice_api(client, alice, alice_actor):
    """alice signed in, as the acting member her folder's `alice_actor` sets up (alerts, watchlists)."""
    client.force_login(alice)
    return client
