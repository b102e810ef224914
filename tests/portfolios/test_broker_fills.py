"""Every order type fills on closed bars by the documented rules: next open, touch, gaps, expiry."""

import math

import pytest

from portfolios.broker.costs import CostModel, FillPolicy, PriceOffset
from portfolios.broker.matching import Bar, orders_match
from portfolios.broker.orders import Order, OrderStatus, OrderType, Side, TimeInForce, order_cancel
from tests.portfolios.conftest import GOOG, HOUR, SYN, hourly, run_bars


def order(**fields) -> Order:
    return Order(**{"id": "o", "symbol": "SYN", "side": Side.BUY, "quantity": 10.0, "created_at": HOUR, **fields})


def test_a_market_order_fills_at_the_open_of_the_next_bar_not_the_bar_it_was_placed_in():
    placed_mid_bar = order(created_at=HOUR + 600)

    during = orders_match([placed_mid_bar], hourly(1, 100, 101, 99, 100.5), instrument=SYN, time=2 * HOUR)
    after = orders_match(during.orders, hourly(2, 100.7, 101.5, 100.2, 101), instrument=SYN, time=3 * HOUR)

    assert during.fills == [] and during.orders[0].status is OrderStatus.WORKING
    assert [(f.price, f.quantity, f.at_open) for f in after.fills] == [(100.7, 10.0, True)]
    assert after.orders[0].status is OrderStatus.FILLED and after.orders[0].average_fill_price == 100.7


def test_a_market_buy_pays_half_the_spread_and_the_slippage_and_a_sell_receives_that_much_less():
    costs = CostModel(spread=PriceOffset(ticks=2), slippage=PriceOffset(ticks=3))

    buy = orders_match([order()], hourly(1, 100, 101, 99, 100), instrument=SYN, time=2 * HOUR, costs=costs)
    sell = orders_match([order(side=Side.SELL)], hourly(1, 100, 101, 99, 100), instrument=SYN, time=2 * HOUR,
                        costs=costs)

    assert buy.fills[0].price == 100.04 and sell.fills[0].price == 99.96


def test_a_buy_limit_fills_at_its_price_when_touched_and_at_the_open_when_the_bar_opens_below_it():
    limit = order(type=OrderType.LIMIT, limit_price=99.0)

    _, missed = run_bars([limit], [(100, 101, 99.5, 100)])
    _, touched = run_bars([limit], [(100, 100.5, 99.0, 99.5)])
    _, gapped = run_bars([limit], [(98.5, 99.5, 98.0, 99.0)])

    assert missed == []
    assert [(f.price, f.at_open) for f in touched] == [(99.0, False)]
    assert [(f.price, f.at_open) for f in gapped] == [(98.5, True)]  # the better price of the gap


def test_a_sell_limit_fills_when_the_high_reaches_it():
    _, fills = run_bars([order(side=Side.SELL, type=OrderType.LIMIT, limit_price=101.0)], [(100, 101.0, 99, 100)])

    assert [f.price for f in fills] == [101.0]


def test_with_a_trade_through_queue_assumption_a_limit_needs_the_price_that_many_ticks_beyond_it():
    limit = order(type=OrderType.LIMIT, limit_price=99.0)
    policy = FillPolicy(limit_trade_through_ticks=2)

    _, one_tick = run_bars([limit], [(100, 100.5, 98.99, 99.5)], policy=policy)
    _, two_ticks = run_bars([limit], [(100, 100.5, 98.98, 99.5)], policy=policy)

    assert one_tick == [] and [f.price for f in two_ticks] == [99.0]


def test_a_buy_limit_waits_for_the_ask_to_reach_it_so_the_spread_delays_the_fill():
    costs = CostModel(spread=PriceOffset(ticks=2))  # the ask is the mid + 0.01
    limit = order(type=OrderType.LIMIT, limit_price=99.0)

    _, mid_touches = run_bars([limit], [(100, 100.5, 99.0, 99.5)], costs=costs)
    _, ask_touches = run_bars([limit], [(100, 100.5, 98.99, 99.5)], costs=costs)

    assert mid_touches == [] and [f.price for f in ask_touches] == [99.0]


def test_a_buy_stop_fills_at_its_price_plus_slippage_when_reached():
    costs = CostModel(slippage=PriceOffset(ticks=2))

    _, fills = run_bars([order(type=OrderType.STOP, stop_price=101.0)],
                        [(100, 100.9, 99, 100), (100, 101.5, 99.8, 101.2)], costs=costs)

    assert [(f.price, f.bar_time, f.at_open) for f in fills] == [(101.02, 2 * HOUR, False)]


def test_a_stop_gapped_through_fills_at_the_open_not_at_the_stop():
    protective = order(side=Side.SELL, type=OrderType.STOP, stop_price=95.0)

    _, fills = run_bars([protective], [(93.0, 94.0, 92.0, 93.5)])

    assert [(f.price, f.at_open) for f in fills] == [(93.0, True)]


def test_a_stop_limit_fills_on_the_bar_its_stop_is_reached_when_that_is_within_the_limit():
    _, fills = run_bars([order(type=OrderType.STOP_LIMIT, stop_price=101.0, limit_price=101.5)],
                        [(100, 102, 99, 101.8)])

    assert [f.price for f in fills] == [101.0]


def test_a_stop_limit_gapped_beyond_its_limit_waits_as_a_limit_and_fills_when_the_price_comes_back():
    orders, fills = run_bars([order(type=OrderType.STOP_LIMIT, stop_price=101.0, limit_price=101.5)],
                             [(102, 103, 101.6, 102.5)])
    assert fills == [] and orders["o"].triggered and orders["o"].is_open

    _, later = run_bars(list(orders.values()), [(101.8, 102, 101.2, 101.5)], start=2)
    assert [(f.price, f.at_open) for f in later] == [(101.5, False)]


def test_a_trailing_stop_follows_the_high_and_fills_when_the_price_falls_back_by_the_trail():
    trailing = order(side=Side.SELL, type=OrderType.TRAILING_STOP, trail_amount=2.0)

    orders, first = run_bars([trailing], [(100, 103, 99, 102)])  # placed at 98 from the open, then the high 103
    assert first == [] and (orders["o"].stop_price, orders["o"].trail_anchor) == (101.0, 103)

    orders, lower_high = run_bars(list(orders.values()), [(102, 102.5, 101.5, 102)], start=2)
    assert lower_high == [] and orders["o"].stop_price == 101.0  # never loosened

    _, fills = run_bars(list(orders.values()), [(102, 102.5, 100.5, 101)], start=3)
    assert [f.price for f in fills] == [101.0]


def test_a_trailing_stop_is_checked_against_the_level_before_this_bars_high_moved_it():
    trailing = order(side=Side.SELL, type=OrderType.TRAILING_STOP, trail_percent=5.0, stop_price=95.0)

    orders, same_bar = run_bars([trailing], [(100, 110, 99, 100)])  # 110 moves it to 104.5 for the next bar
    _, next_bar = run_bars(list(orders.values()), [(100, 101, 99, 100)], start=2)

    assert same_bar == [] and orders["o"].stop_price == 104.5
    assert [(f.price, f.at_open) for f in next_bar] == [(100.0, True)]


def test_a_day_order_lives_for_the_first_session_it_sees_then_expires_with_a_reason():
    day = 86_400
    placed = order(type=OrderType.LIMIT, limit_price=90.0, time_in_force=TimeInForce.DAY, created_at=10 * HOUR)

    same_day = orders_match([placed], Bar(10 * HOUR, 100, 101, 99, 100), instrument=SYN, time=11 * HOUR)
    late_same_day = orders_match(same_day.orders, Bar(23 * HOUR, 100, 101, 99, 100), instrument=SYN, time=day)
    next_day = orders_match(late_same_day.orders, Bar(day, 100, 101, 89, 100), instrument=SYN, time=day + HOUR)

    assert same_day.orders[0].session_day == 0 and late_same_day.orders[0].is_open
    assert next_day.fills == [] and next_day.orders[0].status is OrderStatus.EXPIRED
    assert next_day.orders[0].reason == "A day order expires when its session ends."


def test_a_day_stock_order_placed_after_the_close_is_for_the_next_nyse_session():
    friday_close, monday, tuesday = 1_357_333_200, 1_357_516_800, 1_357_603_200  # 2013-01-04 21:00, 01-07, 01-08
    placed = Order(id="o", symbol="GOOG", side=Side.BUY, quantity=1, type=OrderType.LIMIT, limit_price=700.0,
                   time_in_force=TimeInForce.DAY, created_at=friday_close + 300)

    on_monday = orders_match([placed], Bar(monday, 737, 739, 733, 734), instrument=GOOG, time=monday + 86_400)
    on_tuesday = orders_match(on_monday.orders, Bar(tuesday, 735, 736, 690, 733), instrument=GOOG,
                              time=tuesday + 86_400)

    assert on_monday.orders[0].is_open and on_monday.orders[0].session_day == monday
    assert on_tuesday.fills == [] and on_tuesday.orders[0].status is OrderStatus.EXPIRED


def test_a_good_till_date_order_does_not_fill_on_a_bar_that_closes_after_its_expiry():
    expiring = order(type=OrderType.LIMIT, limit_price=99.0, time_in_force=TimeInForce.GTD, expires_at=2 * HOUR + 1800)

    orders, fills = run_bars([expiring], [(100, 100, 99.5, 100), (100, 100, 98, 99)])

    assert fills == [] and orders["o"].status is OrderStatus.EXPIRED and orders["o"].closed_at == 3 * HOUR


def test_a_replayed_tick_fills_as_a_bar_of_one_price():
    match = orders_match([order(type=OrderType.LIMIT, limit_price=99.0)], Bar.tick(HOUR + 5, 98.97), instrument=SYN,
                         time=HOUR + 5)

    assert [(f.price, f.bar_time) for f in match.fills] == [(98.97, HOUR + 5)]


def test_orders_of_other_instruments_and_closed_orders_are_left_as_they_are():
    other = order(id="x", symbol="GOOG")
    done = order(id="d", status=OrderStatus.CANCELLED)

    match = orders_match([other, done], hourly(1, 100, 101, 99, 100), instrument=SYN, time=2 * HOUR)

    assert match.orders == [other, done] and match.fills == []


@pytest.mark.parametrize("bad", [(math.nan, 101, 99, 100), (100, 99, 101, 100), (100, 101, 99, math.inf),
                                 (0, 1, 0, 1)])
def test_a_bar_with_a_price_that_is_not_a_positive_number_or_not_a_bar_is_refused(bad):
    with pytest.raises(ValueError):
        orders_match([order()], hourly(1, *bad), instrument=SYN, time=2 * HOUR)


def test_cancelling_an_order_closes_it_with_the_reason():
    cancelled = order_cancel([order()], "o", time=500)

    assert (cancelled[0].status, cancelled[0].closed_at, cancelled[0].reason) == (
        OrderStatus.CANCELLED, 500, "Cancelled by the subscriber.")
    with pytest.raises(KeyError):
        order_cancel(cancelled, "o", time=600)
