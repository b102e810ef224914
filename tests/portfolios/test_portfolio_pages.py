"""The portfolio pages: the list and its create form, a portfolio with positions, charts, risk, journal and
follow rules, the order ticket (a bracket by default, prefilled from a signal, bad fields refused each with
its reason), cancel, settings, reset, the CSV; a member reads only; another tenant gets 404 everywhere."""

import pytest

from portfolios.models import FollowRule, PaperOrder, Portfolio
from portfolios.services import order_place
from tests.api_v1.conftest import publish
from tests.isolation import assert_other_tenant_gets_404
from tests.portfolios.conftest import order

pytestmark = pytest.mark.django_db


@pytest.fixture
def traded(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 2))
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "sell", 2))
    btc.bar(101, 102, 100, 101)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    btc.bar(101, 102, 100, 101.5)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "sell", 1, order_type="limit",
                                                                      limit_price=150))
    return portfolio


def test_the_portfolio_page_shows_positions_charts_risk_and_the_journal(alice_client, traded):
    page = alice_client.get(f"/app/portfolios/{traded.pk}/").content.decode()
    assert 'data-symbol="BTCUSD"' in page  # the open position
    assert page.count("<polyline") == 2  # equity and drawdown
    assert "historical 95%" in page and "Sharpe" in page
    assert "long 2 BTCUSD" in page  # the journal's closed trade
    assert "Cancel" in page  # the working limit order
    assert "no confidence" in page
    assert 'data-streams="portfolios"' in page


def test_the_list_creates_a_portfolio_within_the_plan(alice_client, alice_actor):
    response = alice_client.post("/app/portfolios/", {"name": "Swing", "currency": "EUR", "starting_balance": "5000"})
    created = Portfolio.objects.get(name="Swing")
    assert response.status_code == 302 and created.currency == "EUR" and created.cash == 5000
    assert "Swing" in alice_client.get("/app/portfolios/").content.decode()
    for n in range(4):
        alice_client.post("/app/portfolios/", {"name": f"P{n}", "currency": "USD", "starting_balance": "1000"})
    refused = alice_client.post("/app/portfolios/", {"name": "Sixth", "currency": "USD", "starting_balance": "1000"},
                                follow=True)
    assert "allows 5 paper portfolios" in refused.content.decode()
    assert not Portfolio.objects.filter(name="Sixth").exists()


def test_the_ticket_is_a_bracket_prefilled_from_a_signal(alice_client, portfolio, tape):
    tape("GOOG", "D1").bar(100, 101, 99, 100)
    signal = publish("GOOG", timeframe="D1", entry=100.0)
    page = alice_client.get(f"/app/portfolios/{portfolio.pk}/order/?signal={signal.pk}").content.decode()
    assert 'name="bracket" checked' in page
    assert f'value="{signal.stop}"' in page and f'value="{signal.target_3}"' in page and 'value="GOOG"' in page
    jump = alice_client.get(f"/app/portfolios/order/?signal={signal.pk}")
    assert jump.status_code == 302 and jump["Location"] == f"/app/portfolios/{portfolio.pk}/order/?signal={signal.pk}"
    placed = alice_client.post(f"/app/portfolios/{portfolio.pk}/order/", {
        "symbol": "GOOG", "side": "buy", "quantity": "3", "order_type": "market", "time_in_force": "gtc",
        "bracket": "on", "stop_loss": str(signal.stop), "target_1": str(signal.target_1),
        "target_2": str(signal.target_2), "target_3": str(signal.target_3)})
    assert placed.status_code == 302
    assert sorted(PaperOrder.objects.values_list("role", flat=True)) == ["entry", "stop", "target_1", "target_2",
                                                                         "target_3"]


def test_a_signal_the_plan_does_not_see_is_404_on_the_ticket(alice_client, portfolio):
    assert alice_client.get(f"/app/portfolios/{portfolio.pk}/order/?signal=999999").status_code == 404


def test_bad_order_fields_are_refused_each_with_its_reason(alice_client, portfolio, tape):
    tape("GOOG", "D1").bar(100, 101, 99, 100)
    response = alice_client.post(f"/app/portfolios/{portfolio.pk}/order/", {
        "symbol": "GOOG", "side": "hold", "quantity": "-1", "order_type": "limit", "bracket": "on",
        "stop_loss": "abc"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "One of buy, sell." in page and "Must be a number." in page
    assert not PaperOrder.objects.exists()
    response = alice_client.post(f"/app/portfolios/{portfolio.pk}/order/", {
        "symbol": "GOOG", "side": "buy", "quantity": "1.5", "order_type": "limit", "limit_price": "99.999"})
    page = response.content.decode()
    assert "The quantity must be a multiple of 1." in page and "multiple of the tick size 0.01" in page
    assert not PaperOrder.objects.exists()


def test_cancel_reset_settings_follow_and_csv(alice_client, traded):
    working = PaperOrder.objects.get(portfolio=traded, status="working")
    alice_client.post(f"/app/portfolios/{traded.pk}/orders/{working.pk}/cancel/")
    assert PaperOrder.objects.get(pk=working.pk).status == "cancelled"
    csv = alice_client.get(f"/app/portfolios/{traded.pk}/journal.csv")
    assert csv["Content-Type"] == "text/csv" and csv.content.decode().splitlines()[0].startswith("id,symbol,side")
    assert len(csv.content.decode().splitlines()) == 2
    alice_client.post(f"/app/portfolios/{traded.pk}/settings/", {"daily_loss_limit": "0.05", "max_open_positions": "3"})
    traded.refresh_from_db()
    assert traded.daily_loss_limit == 0.05 and traded.max_open_positions == 3
    refused = alice_client.post(f"/app/portfolios/{traded.pk}/settings/", {"daily_loss_limit": "2"}, follow=True)
    assert "daily_loss_limit: Must be from 0.001 to 1." in refused.content.decode()
    alice_client.post(f"/app/portfolios/{traded.pk}/follow/", {"sizing": "kelly", "min_confidence": "0.6"})
    rule = FollowRule.objects.get(portfolio=traded)
    page = alice_client.get(f"/app/portfolios/{traded.pk}/").content.decode()
    assert "cannot size without a confidence" in page and "no signal carries a confidence yet" in page
    alice_client.post(f"/app/portfolios/{traded.pk}/follow/{rule.pk}/delete/")
    alice_client.post(f"/app/portfolios/{traded.pk}/reset/")
    traded.refresh_from_db()
    assert traded.cash == traded.equity == 100_000 and not traded.positions.exists() and not traded.trades.exists()


def test_a_member_reads_the_pages_but_cannot_trade(client, bob, traded):
    client.force_login(bob)
    page = client.get(f"/app/portfolios/{traded.pk}/").content.decode()
    assert "Cancel" not in page and "New order" not in page
    refused = client.post(f"/app/portfolios/{traded.pk}/order/", {"symbol": "BTCUSD", "side": "buy", "quantity": "1"})
    assert "Only owners and admins" in refused.content.decode()
    client.post(f"/app/portfolios/{traded.pk}/reset/")
    assert traded.positions.exists()


def test_every_portfolio_route_is_404_for_another_tenant(client, charlie, traded):
    order_id = PaperOrder.objects.filter(portfolio=traded).first().pk
    base = f"/app/portfolios/{traded.pk}/"
    for url in (base, f"{base}order/", f"{base}journal.csv"):
        assert_other_tenant_gets_404(client, outsider=charlie, url=url, methods=("get", "post"))
    for url in (f"{base}orders/{order_id}/cancel/", f"{base}settings/", f"{base}reset/", f"{base}delete/",
                f"{base}follow/", f"{base}follow/1/delete/"):  # POST only (a GET is a 405 before any read)
        assert_other_tenant_gets_404(client, outsider=charlie, url=url, methods=("post",))
    assert Portfolio.objects.filter(pk=traded.pk).exists() and traded.positions.exists()
