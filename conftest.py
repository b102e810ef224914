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


@pytest.fixture(autouse=True)
def _migrations_rows(request):
    """Every database test starts with the rows the migrations create (the plan catalogue, the shipped
    strategy), as on a fresh install. A transactional test ends by emptying every table; pytest-django
    runs those last in one process, but a pytest-xdist worker runs each file it is given in turn, so a
    test after a transactional one would otherwise find no plan and no strategy."""
    if not ({"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db")):
        return
    request.getfixturevalue("_django_db_helper")
    from billing.models import Plan

    if Plan.objects.exists():
        return
    from billing.services import plan_catalogue_seed
    from signals.engine.strategy import DEFAULT_CONFLUENCE
    from signals.models import Strategy

    plan_catalogue_seed()
    Strategy.objects.get_or_create(name=DEFAULT_CONFLUENCE["name"], version=DEFAULT_CONFLUENCE["version"],
                                   defaults={"config": DEFAULT_CONFLUENCE, "is_active": True})


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
