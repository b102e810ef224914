"""Fixtures of the alerts tests: instruments, plans, actors, and bars ingested as a live feed would."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from accounts.models import Role
from accounts.services import api_key_create
from alerts.services import alert_rule_create
from billing.models import Plan, Subscription
from market.arrays import BarArrays
from market.models import Instrument
from market.services import bars_ingest, instrument_catalogue_load
from watchlists.actors import Actor

START = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = 3600


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent, a closed-bar event's included."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def btc(catalogue) -> Instrument:
    return Instrument.objects.get(symbol="BTCUSD")


@pytest.fixture
def eth(catalogue) -> Instrument:
    return Instrument.objects.get(symbol="ETHUSD")


def subscribe(tenant, plan: str) -> None:
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=plan),
                                                                   "status": "active"})


@pytest.fixture
def alice_actor(alice, tenant_a) -> Actor:
    """Alice, owner of tenant A, on the Pro plan."""
    subscribe(tenant_a, "pro")
    return Actor.member(tenant=tenant_a, user=alice, manages=True)


@pytest.fixture
def bob_actor(bob, tenant_a) -> Actor:
    return Actor.member(tenant=tenant_a, user=bob, manages=bob.memberships.get().role != Role.MEMBER)


def bar_time(index: int) -> datetime:
    """The open time of the hourly bar `index` of the test feed."""
    return START + timedelta(hours=index)


def bars_of(closes, *, first: int = 0, volumes=None) -> BarArrays:
    """Hourly bars from `first` on, each opening at the close before it."""
    closes = np.asarray(closes, dtype=np.float64)
    opens = np.concatenate([[closes[0]], closes[:-1]])
    volumes = np.full(len(closes), 100.0) if volumes is None else np.asarray(volumes, dtype=np.float64)
    times = np.array([int(bar_time(first + i).timestamp()) for i in range(len(closes))], dtype=np.int64)
    return BarArrays(times, opens, np.maximum(opens, closes) + 0.5, np.minimum(opens, closes) - 0.5, closes, volumes)


@pytest.fixture
def feed(eager_tasks, django_capture_on_commit_callbacks):
    """feed(instrument, closes, first=0): ingest hourly bars as closed, so their closed-bar events run
    every task of BAR_CLOSED_TASKS (eagerly) after the commit, as a live provider's would."""

    def ingest(instrument: Instrument, closes, *, first: int = 0, volumes=None) -> None:
        bars = bars_of(closes, first=first, volumes=volumes)
        closed_at = bar_time(first + len(closes))
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=instrument, timeframe="H1", bars=bars, source="test", emit_events=True,
                        now=closed_at)

    return ingest


def a_rule(actor: Actor, **fields):
    """alert_rule_create with plain defaults: an in-app price rule on H1."""
    defaults = {"name": "Test alert", "kind": "price", "timeframe": "H1", "op": "crosses_up", "value": 100.0,
                "channels": ["in_app"]}
    return alert_rule_create(actor=actor, **(defaults | fields))


def key_headers(tenant, *, scope: str = "write", created_by=None) -> dict[str, str]:
    """Headers with a new API key of `tenant`."""
    _, plaintext = api_key_create(tenant=tenant, name="bot", scope=scope, created_by=created_by)
    return {"Authorization": f"Bearer {plaintext}"}
