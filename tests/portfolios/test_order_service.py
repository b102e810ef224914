"""Every order type through the service path: placed on a portfolio, filled by closed bars through the pure
broker, booked as fills, positions, cash and journal rows, and marked to market."""

import pytest

from config.errors import InvalidInput, NotPermitted
from portfolios.models import CashEntry, EquityPoint, PaperFill, PaperOrder, PaperPosition, Portfolio, Trade
from portfolios.services import order_cancel_by_subscriber, order_place
from tests.portfolios.conftest import order

pytestmark = pytest.mark.django_db


def test_market_order_fills_at_the_next_open_plus_half_spread_and_slippage(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 2))
    btc.bar(102, 103, 101, 102.5)
    fill = PaperFill.objects.get(order=placed)
    assert fill.price == pytest.approx(102 + 102 * 0.0005 / 2 + 102 * 0.0005, abs=0.011)  # 5 bps spread, 5 slippage
    assert fill.at_open
    position = PaperPosition.objects.get(portfolio=portfolio)
    assert position.quantity == 2 and position.last_price == 102.5
    commission = CashEntry.objects.get(portfolio=portfolio, kind="commission")
    assert commission.amount == pytest.approx(-2 * fill.price * 0.0025)  # 25 bps
    portfolio.refresh_from_db()
    assert portfolio.equity == pytest.approx(100_000 + commission.amount + 2 * (102.5 - fill.price))
    assert EquityPoint.objects.filter(portfolio=portfolio).count() == 1


def test_limit_order_waits_for_the_touch_then_fills_at_its_price(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio,
                           request=order("BTCUSD", "buy", 1, order_type="limit", limit_price=97))
    btc.bar(100, 101, 98, 99)  # the ask (low + 2.5 bps) never reaches 97
    assert PaperOrder.objects.get(pk=placed.pk).status == "working"
    btc.bar(99, 99.5, 96, 97)
    placed.refresh_from_db()
    assert placed.status == "filled" and placed.average_fill_price == 97


def test_stop_order_gapped_through_fills_at_the_gap_open(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio,
                           request=order("BTCUSD", "sell", 1, order_type="stop", stop_price=95))
    btc.bar(90, 91, 88, 89)  # opens below the stop: the gap's price, not the stop's
    fill = PaperFill.objects.get(order=placed)
    assert fill.price < 90 and fill.at_open
    assert PaperPosition.objects.get(portfolio=portfolio).quantity == -1


def test_stop_limit_triggers_then_fills_as_a_limit(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 1, order_type="stop_limit", stop_price=105, limit_price=106))
    btc.bar(104, 110, 103.9, 109)  # triggered at 105 (ask), the limit 106 holds
    placed.refresh_from_db()
    assert placed.status == "filled" and placed.average_fill_price <= 106


def test_trailing_stop_follows_the_high_and_closes_the_long(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    btc.bar(100, 100, 100, 100)
    [trailing] = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "sell", 1, order_type="trailing_stop", trail_amount=5))
    btc.bar(100, 120, 100, 119)
    trailing.refresh_from_db()
    assert trailing.stop_price == pytest.approx(115 - 120 * 0.0005 / 2, abs=0.05) or trailing.stop_price >= 114
    btc.bar(118, 118, 110, 111)
    trailing.refresh_from_db()
    assert trailing.status == "filled"
    assert not PaperPosition.objects.filter(portfolio=portfolio).exists()
    assert Trade.objects.get(portfolio=portfolio).pnl > 0


def test_bracket_takes_partial_profits_at_each_target_then_stops_the_rest(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    placed = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 3, bracket=True, stop_loss=95, targets=[
            {"price": 105, "fraction": 1 / 3}, {"price": 110, "fraction": 1 / 3}, {"price": 115, "fraction": 1 / 3}]))
    assert [o.role for o in placed] == ["entry", "stop", "target_1", "target_2", "target_3"]
    btc.bar(100, 101, 99, 100)  # entry fills at the open
    btc.bar(100, 106, 100, 105)  # target 1
    stop = PaperOrder.objects.get(portfolio=portfolio, role="stop")
    assert stop.quantity == 2  # the stop covers what is left
    btc.bar(105, 111, 104, 110)  # target 2
    btc.bar(109, 109, 90, 92)  # the stop takes the last third; target 3 is cancelled
    statuses = dict(PaperOrder.objects.filter(portfolio=portfolio).values_list("role", "status"))
    assert statuses == {"entry": "filled", "stop": "filled", "target_1": "filled", "target_2": "filled",
                        "target_3": "cancelled"}
    trade = Trade.objects.get(portfolio=portfolio)
    assert trade.quantity == 3 and trade.initial_stop == 95
    assert trade.r_multiple == pytest.approx(((105 + 110 + 95) / 3 - trade.entry_price) / (trade.entry_price - 95),
                                             abs=0.05)
    assert trade.mfe_price == 111  # the high while open
    assert 94.9 < trade.mae_price < 95  # the stop's fill: the bar's low of 90 came after the position was closed
    assert trade.mfe_r > 2 and trade.mae_r < -1


def test_day_order_expires_when_its_session_ends(alice_actor, portfolio, tape):
    goog = tape("GOOG", "D1")
    goog.bar(100, 101, 99, 100)
    [placed] = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "GOOG", "buy", 1, order_type="limit", limit_price=90, time_in_force="day"))
    goog.bar(100, 101, 99, 100)
    goog.bar(100, 101, 99, 100)
    placed.refresh_from_db()
    assert placed.status == "expired" and "session" in placed.reason


def test_cancelling_an_entry_cancels_its_waiting_exits(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    entry, *_ = order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 1, order_type="limit", limit_price=90, bracket=True, stop_loss=85,
        targets=[{"price": 95, "fraction": 1}]))
    changed = order_cancel_by_subscriber(actor=alice_actor, order=entry)
    assert {o.role for o in changed} == {"entry", "stop", "target_1"}
    assert set(PaperOrder.objects.filter(portfolio=portfolio).values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(InvalidInput):
        order_cancel_by_subscriber(actor=alice_actor, order=entry)


def test_processing_a_bar_twice_changes_nothing(alice_actor, portfolio, tape):
    from portfolios import processing

    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    btc.bar(100, 101, 99, 100)
    bar = btc.instrument.bars.order_by("-time").first()
    assert processing.bar_closed_process(instrument_id=btc.instrument.pk, timeframe="H1", bar_time=bar.time) is None
    assert PaperFill.objects.count() == 1 and EquityPoint.objects.count() == 1


def test_a_member_reads_but_cannot_trade(bob_actor, portfolio, tape):
    tape("BTCUSD").bar(100, 101, 99, 100)
    with pytest.raises(NotPermitted):
        order_place(actor=bob_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    assert not PaperOrder.objects.exists()
    assert Portfolio.objects.get(pk=portfolio.pk).cash == 100_000


def test_a_bracket_whose_entry_and_stop_fill_on_one_bar_closes_its_trade_in_that_bar(alice_actor, portfolio, tape):
    """Found by make run: a position opened and stopped out by the same bar was never stored, and
    deleting it raised, so the whole bar failed for every portfolio."""
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order(
        "BTCUSD", "buy", 1, bracket=True, stop_loss=95, targets=[{"price": 115, "fraction": 1.0}]))

    btc.bar(100, 101, 90, 92)  # entry at the open, then down through the stop

    statuses = dict(PaperOrder.objects.filter(portfolio=portfolio).values_list("role", "status"))
    assert statuses["entry"] == "filled" and statuses["stop"] == "filled"
    assert Trade.objects.filter(portfolio=portfolio).count() == 1
    assert not PaperPosition.objects.filter(portfolio=portfolio).exists()
