"""Browser journeys through the public track record and ledger, the screener, an upgrade on the billing
page and the status page, with screenshots of each page at a phone's and a desktop's width."""

import re
import time

import pytest
import stripe
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from config.tasks import BEAT_HEARTBEAT_KEY
from signals.engine.analysis import PairState
from signals.models import ScreenerRow
from signals.screener_rows import screener_rows_upsert
from status.services import health_check_record
from tests.api_v1.conftest import subscribe
from tests.billing.conftest import event, localstripe_url, post_event, stripe_customer_with_card, stripe_server
from tests.billing.test_checkout_and_portal import recorded_stripe
from tests.e2e.record_data import closed_signals_seed, health_history_seed, recent_bars_seed
from tests.e2e.screens import screenshots

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["localstripe_url", "recorded_stripe", "stripe_server"]  # fixtures these tests use


def sign_in(page, live_server, user) -> None:
    """The browser carries `user`'s session (as after logging in)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def test_a_visitor_checks_the_public_track_record_its_reliability_diagram_and_the_ledger(page, live_server,
                                                                                          tmp_path):
    closed_signals_seed()

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Track record").click()
    expect(page.get_by_role("heading", name="Track record", exact=True)).to_be_visible()
    expect(page.get_by_test_id("record-count")).to_have_text("24")
    diagram = page.locator("figure[data-chart=reliability]").first
    expect(diagram.locator("svg")).to_be_visible()
    expect(diagram.get_by_test_id("no-confidence")).to_contain_text("no point is invented")
    expect(diagram.get_by_test_id("base-rate")).to_have_text("45.8%")  # 11 of 24 reached target 1
    assert diagram.locator("circle").count() == 0  # no confidence was published: nothing plotted
    expect(page.locator("figure[data-chart=equity] polyline").first).to_be_visible()
    screenshots(page, name="track-record-public", tmp_path=tmp_path)

    page.get_by_role("link", name="public ledger").first.click()
    expect(page.get_by_test_id("ledger-result")).to_contain_text("Verified")
    screenshots(page, name="ledger-verify", tmp_path=tmp_path)
    page.fill("#id_from", "5")
    page.fill("#id_to", "9")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_test_id("ledger-result")).to_contain_text("Entries 5 to 9: 5 hashes recomputed")


def test_a_subscriber_filters_sorts_and_opens_the_screener_which_refreshes_on_feed_events(page, live_server,
                                                                                         tenant_a, alice, tmp_path):
    closed_signals_seed()
    subscribe(tenant_a, "pro")
    sign_in(page, live_server, alice)

    page.goto(live_server.url + "/app/")
    page.get_by_role("link", name="Screener").click()
    rows = page.locator("#screener-table tbody tr[data-href]")
    expect(rows).to_have_count(4)  # Pro covers GOOG D1, BTCUSD MN1, EURUSD H1, ETHUSD D1
    screenshots(page, name="screener", tmp_path=tmp_path)

    page.select_option("select[name=asset_class]", "crypto")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"asset_class=crypto"))
    page.locator("th a", has_text="RSI").click()
    expect(page).to_have_url(re.compile(r"ordering=-rsi"))
    expect(rows.first).to_contain_text("ETHUSD")  # RSI 44 above BTCUSD's 35
    page.locator("th a", has_text="RSI").click()
    expect(page).to_have_url(re.compile(r"ordering=rsi"))
    expect(rows.first).to_contain_text("BTCUSD")

    # The engine computes a new bar; the feed client's event makes the table fetch itself again.
    row = ScreenerRow.objects.get(instrument__symbol="BTCUSD", timeframe="MN1")
    state = PairState(bar_time=int(row.bar_time.timestamp()) + 31 * 86400, close=100.0, change_pct=1.0, score=0.9,
                      leaning="long", regime="trending_up", higher_trend="up", rsi=77.7, atr_pct=3.0,
                      contributions={})
    screener_rows_upsert(strategy_id=row.strategy_id, states=[(row.instrument_id, "MN1", state, None)])
    page.evaluate("document.dispatchEvent(new CustomEvent('beacon:engine.status', {detail: {}}))")
    expect(page.locator("#screener-table")).to_contain_text("77.7")

    rows.filter(has_text="BTCUSD").locator("td").nth(2).click()
    expect(page).to_have_url(re.compile(r"/app/instruments/BTCUSD/"))

    # the plan's full record
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Track record").click()
    expect(page.get_by_test_id("record-count")).to_have_text("24")
    page.select_option("select[name=group_by]", "symbol,timeframe")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="EURUSD")).to_be_visible()
    screenshots(page, name="track-record-member", tmp_path=tmp_path)


def test_an_owner_upgrades_from_free_to_pro_through_the_billing_page(page, live_server, tenant_a, alice,
                                                                     recorded_stripe, tmp_path):
    sign_in(page, live_server, alice)
    page.goto(live_server.url + "/pricing/")
    free = page.locator("[data-plan=free]")
    expect(free.locator(".locked", has_text="REST API")).to_contain_text("in Pro")
    screenshots(page, name="pricing", tmp_path=tmp_path)

    page.goto(live_server.url + "/billing/")
    expect(page.get_by_text("Plan: Free")).to_be_visible()
    screenshots(page, name="billing-free", tmp_path=tmp_path)
    # Stripe's hosted Checkout page is out of reach here: the browser stops at its URL.
    page.route("https://checkout.stripe.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<h1>Stripe Checkout</h1>"))
    page.locator("[data-plan=pro]").get_by_role("button", name="Choose Pro").click()
    expect(page).to_have_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/cs_test_"))

    # The customer pays: Stripe (localstripe) holds the subscription and tells Beacon by its webhook.
    customer = stripe_customer_with_card(tenant=tenant_a)
    remote = stripe.Subscription.create(customer=customer, items=[{"plan": "price_pro_monthly"}],
                                        metadata={"tenant_id": str(tenant_a.pk)}).to_dict()
    completed = {"id": "cs_test_e2e", "object": "checkout.session", "mode": "subscription",
                 "client_reference_id": str(tenant_a.pk), "customer": remote["customer"],
                 "subscription": remote["id"]}
    assert post_event(Client(), event("checkout.session.completed", completed)).status_code == 200

    page.goto(live_server.url + "/billing/?checkout=success")
    expect(page.get_by_text("Plan: Pro")).to_be_visible()
    expect(page.get_by_text("API: 60/min, 10,000/day").first).to_be_visible()
    expect(page.get_by_role("button", name="Switch to Premium in Manage")).to_be_visible()  # no second Checkout
    screenshots(page, name="billing-pro", tmp_path=tmp_path)


def test_the_status_page_says_no_data_then_shows_checks_uptime_and_incidents(page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Status").click()
    expect(page.get_by_test_id("status-now")).to_contain_text("No data yet")

    closed_signals_seed()
    recent_bars_seed()
    health_history_seed()
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=600)
    assert health_check_record(now=timezone.now()).ok
    page.reload()
    expect(page.get_by_test_id("status-now")).to_contain_text("All systems operational")
    expect(page.locator("svg.uptime rect")).to_have_count(90)
    expect(page.get_by_text("database failed")).to_be_visible()
    expect(page.get_by_role("cell", name="Stock")).to_be_visible()
    screenshots(page, name="status", tmp_path=tmp_path)
