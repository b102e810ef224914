"""Fixtures of the watchlists tests: instruments, and alice (owner), bob (member) and charlie (another
tenant) as actors."""

import pytest

from market.models import Instrument
from market.services import instrument_catalogue_load
from tests.alerts.conftest import subscribe
from watchlists.actors import Actor


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def instruments(catalogue) -> dict[str, Instrument]:
    return {i.symbol: i for i in Instrument.objects.all()}


@pytest.fixture
def alice_actor(alice, tenant_a) -> Actor:
    subscribe(tenant_a, "pro")  # 10 watchlists of 50 symbols
    return Actor.member(tenant=tenant_a, user=alice, manages=True)


@pytest.fixture
def bob_actor(bob, tenant_a, alice_actor) -> Actor:
    return Actor.member(tenant=tenant_a, user=bob, manages=False)


@pytest.fixture
def charlie_actor(charlie, tenant_b) -> Actor:
    return Actor.member(tenant=tenant_b, user=charlie, manages=True)
