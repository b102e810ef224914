"""A watchlist page in Chromium follows the live feed: a bar that closes on the server changes the row's
price and change over the day without a reload. The page is served by a real daphne process (HTTP and the
WebSocket) on this test's database; the close's prices reach it through Redis, as in production."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client, override_settings
from playwright.sync_api import expect

from accounts.models import Membership, Role, Tenant, User
from alerts.firing import claims_forget
from billing.models import Plan, Subscription, SubscriptionStatus
from config.celery_app import app as celery_app
from market.arrays import BarArrays
from market.models import Instrument
from market.services import bars_ingest, instrument_catalogue_load
from tests.servers import free_port
from tests.signals.feed.test_feed_over_daphne import Daphne
from watchlists.actors import Actor
from watchlists.services import watchlist_create, watchlist_item_add

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
START = datetime(2024, 3, 1, tzinfo=UTC)


def hourly(closes, *, first: int = 0) -> BarArrays:
    values = np.asarray(closes, dtype=np.float64)
    times = np.array([int((START + timedelta(hours=first + i)).timestamp()) for i in range(len(values))],
                     dtype=np.int64)
    return BarArrays(times, values, values + 1, values - 1, values, np.full(len(values), 10.0))


def close_bars(instrument, closes, *, first: int) -> None:
    """Ingest closed hourly bars as a live provider would: their closed-bar events run (eagerly) after the
    commit, and the alerts evaluation that claims the close sends its prices to the feed."""
    celery_app.conf.task_always_eager = True
    try:
        with override_settings(BAR_CLOSED_TASKS=["alerts.tasks.alerts_on_bar_closed"]):
            bars_ingest(instrument=instrument, timeframe="H1", bars=hourly(closes, first=first), source="test",
                        emit_events=True, now=START + timedelta(hours=first + len(closes)))
    finally:
        celery_app.conf.task_always_eager = False


@pytest.fixture
def server():
    daphne = Daphne(free_port()).start()
    yield f"http://127.0.0.1:{daphne.port}"
    daphne.stop()


def test_a_bar_closing_on_the_server_changes_the_rows_price_without_a_reload(page, server):
    claims_forget()
    instrument_catalogue_load()
    btc = Instrument.objects.get(symbol="BTCUSD")
    alice = User.objects.create_user(email="alice@example.com", password="a-long-passphrase-77")
    tenant = Tenant.objects.create(name="Alpha Capital", slug="alpha")
    Membership.objects.create(tenant=tenant, user=alice, role=Role.OWNER)
    Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code="pro"), status=SubscriptionStatus.ACTIVE)
    actor = Actor.member(tenant=tenant, user=alice, manages=True)
    watchlist = watchlist_create(actor=actor, name="Crypto")
    watchlist_item_add(actor=actor, watchlist=watchlist, instrument=btc)
    close_bars(btc, [100.0 + i for i in range(24)], first=0)  # the newest close 123
    browser = Client()
    browser.force_login(alice)
    page.context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value,
                               "url": server}])

    page.goto(f"{server}/app/watchlists/{watchlist.pk}/")
    row = page.locator('tr[data-symbol="BTCUSD"]')
    expect(row.locator('[data-cell="price"]')).to_contain_text("123.00")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=15000)
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    close_bars(btc, [150.0], first=24)  # a day after the close at 100: +50%

    expect(row.locator('[data-cell="price"]')).to_contain_text("150.00", timeout=15000)
    expect(row.locator('[data-cell="price"]')).to_contain_text("2024-03-02 01:00 UTC")
    expect(row.locator('[data-cell="day"]')).to_have_text("50.00%")
    assert page.evaluate("window.loadedOnce") is True
