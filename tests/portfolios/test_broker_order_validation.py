"""Bad orders are refused with a message per field; good ones pass. Plain dataclasses, no database."""

import math

import pytest

from portfolios.broker.orders import (
    Order,
    OrderRejected,
    OrderType,
    Side,
    Target,
    TimeInForce,
    bracket_orders,
    lots_to_units,
    order_validate,
    quantity_step,
)
from tests.portfolios.conftest import BTCUSD, EURUSD, SYN, USDJPY


def refused(order: Order, instrument=SYN, **options) -> dict[str, list[str]]:
    with pytest.raises(OrderRejected) as caught:
        order_validate(order, instrument, **options)
    return caught.value.fields


@pytest.mark.parametrize("quantity", [0, -5, math.nan, math.inf])
def test_a_quantity_of_zero_or_less_or_not_a_number_is_refused_on_the_quantity(quantity):
    fields = refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=quantity))

    assert list(fields) == ["quantity"] and "above zero" in fields["quantity"][0]


def test_a_limit_order_without_a_limit_price_is_refused_on_the_limit_price():
    fields = refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, type=OrderType.LIMIT))

    assert fields == {"limit_price": ["A limit order needs a limit price."]}


def test_a_stop_limit_needs_both_prices_and_its_limit_beyond_its_stop():
    assert set(refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, type=OrderType.STOP_LIMIT))) == {
        "limit_price", "stop_price"}
    fields = refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, type=OrderType.STOP_LIMIT,
                           stop_price=101.0, limit_price=100.5))
    assert fields == {"limit_price": ["A buy stop-limit's limit must be at or above its stop."]}


def test_a_stop_on_the_wrong_side_of_the_market_for_its_direction_is_refused_on_the_stop_price():
    buy_stop_below = Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, type=OrderType.STOP, stop_price=99.0)
    sell_stop_above = Order(id="o", symbol="SYN", side=Side.SELL, quantity=1, type=OrderType.STOP, stop_price=101.0)

    assert "must be above the market (100)" in refused(buy_stop_below, reference_price=100.0)["stop_price"][0]
    assert "must be below the market (100)" in refused(sell_stop_above, reference_price=100.0)["stop_price"][0]
    order_validate(buy_stop_below, SYN, reference_price=98.0)  # above a market at 98: accepted


def test_a_forex_quantity_not_a_multiple_of_the_micro_lot_is_refused_with_the_step_in_lots_and_units():
    fields = refused(Order(id="o", symbol="EURUSD", side=Side.BUY, quantity=lots_to_units(0.015, EURUSD)), EURUSD)

    assert fields == {"quantity": ["The quantity must be a multiple of 0.01 lot (1000 units)."]}
    order_validate(Order(id="o", symbol="EURUSD", side=Side.BUY, quantity=lots_to_units(0.03, EURUSD)), EURUSD)


def test_crypto_takes_fractions_down_to_a_satoshi_but_not_below():
    order_validate(Order(id="o", symbol="BTCUSD", side=Side.BUY, quantity=0.00012345), BTCUSD)

    fields = refused(Order(id="o", symbol="BTCUSD", side=Side.BUY, quantity=0.000000015), BTCUSD)
    assert fields == {"quantity": ["The quantity must be a multiple of 1e-08."]}


def test_the_quantity_step_defaults_per_asset_class_and_an_instrument_may_set_its_own():
    assert (quantity_step(EURUSD), quantity_step(USDJPY), quantity_step(BTCUSD), quantity_step(SYN)) == (
        1000.0, 1000.0, 1e-8, 1.0)


def test_a_price_off_the_tick_grid_is_refused_on_that_price():
    fields = refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, type=OrderType.LIMIT, limit_price=99.995))

    assert fields == {"limit_price": ["The price must be a multiple of the tick size 0.01."]}


def test_a_trailing_stop_needs_one_positive_trail():
    assert "trail_amount" in refused(Order(id="o", symbol="SYN", side=Side.SELL, quantity=1,
                                           type=OrderType.TRAILING_STOP))
    assert "trail_percent" in refused(Order(id="o", symbol="SYN", side=Side.SELL, quantity=1,
                                            type=OrderType.TRAILING_STOP, trail_percent=120.0))


def test_good_till_date_needs_an_expiry_after_the_order_is_placed():
    assert refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, time_in_force=TimeInForce.GTD,
                         created_at=100)) == {"expires_at": ["A good-till-date order needs an expiry time."]}
    assert "after" in refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=1, time_in_force=TimeInForce.GTD,
                                    created_at=100, expires_at=50))["expires_at"][0]


def test_several_faults_are_all_reported_each_under_its_own_field():
    fields = refused(Order(id="o", symbol="SYN", side=Side.BUY, quantity=-1, type=OrderType.STOP_LIMIT,
                           time_in_force=TimeInForce.GTD))

    assert set(fields) == {"quantity", "limit_price", "stop_price", "expires_at"}
    assert "quantity:" in str(OrderRejected(fields))


def bracket(**changes):
    arguments = dict(id="b", symbol="SYN", side=Side.BUY, quantity=100, stop=98.0,
                     targets=[Target(103.0, 0.5), Target(106.0, 0.3), Target(109.0, 0.2)], instrument=SYN,
                     created_at=0, reference_price=100.0)
    return bracket_orders(**{**arguments, **changes})


def test_a_buy_bracket_with_its_stop_above_the_entry_is_refused_on_the_stop():
    with pytest.raises(OrderRejected) as caught:
        bracket(stop=101.0)

    assert caught.value.fields["stop"] == ["A buy's stop must be below the entry (100)."]


def test_a_sell_bracket_with_targets_above_the_entry_is_refused_on_the_targets():
    with pytest.raises(OrderRejected) as caught:
        bracket(side=Side.SELL, stop=102.0, targets=[Target(103.0, 1.0)])

    assert caught.value.fields == {"targets": ["Target 1 must be below the entry and the stop."]}


def test_bracket_targets_must_step_away_from_the_entry_and_their_fractions_not_exceed_one():
    with pytest.raises(OrderRejected) as unordered:
        bracket(targets=[Target(106.0, 0.5), Target(103.0, 0.5)])
    with pytest.raises(OrderRejected) as too_much:
        bracket(targets=[Target(103.0, 0.7), Target(106.0, 0.7)])

    assert unordered.value.fields["targets"] == ["Each target must be further from the entry than the one before."]
    assert too_much.value.fields["targets"] == ["The target fractions add up to 1.4, more than 1."]


def test_a_limit_entry_bracket_checks_its_levels_against_the_limit_and_names_the_entry_price():
    with pytest.raises(OrderRejected) as caught:
        bracket(entry_type=OrderType.LIMIT, entry_price=None, reference_price=None)

    assert caught.value.fields == {"entry_price": ["A limit order needs a limit price."]}
    with pytest.raises(OrderRejected) as below:
        bracket(entry_type=OrderType.LIMIT, entry_price=97.5, reference_price=None)
    assert below.value.fields["stop"] == ["A buy's stop must be below the entry (97.5)."]


def test_a_bracket_splits_its_quantity_over_the_targets_in_whole_steps_and_links_its_exits():
    entry, stop, *targets = bracket(quantity=7)

    assert [t.quantity for t in targets] == [3.0, 2.0, 2.0]  # 3.5 and 2.1 rounded down; the last takes the rest
    assert stop.quantity == 7 and stop.side is Side.SELL and stop.stop_price == 98.0
    assert {o.parent_id for o in (stop, *targets)} == {"b"} and {o.bracket_id for o in (entry, stop, *targets)} == {"b"}
    assert all(o.status.value == "pending" for o in (stop, *targets)) and entry.status.value == "working"


def test_a_target_worth_less_than_one_step_is_refused():
    with pytest.raises(OrderRejected) as caught:
        bracket(quantity=2, targets=[Target(103.0, 0.2), Target(106.0, 0.8)])

    assert "less than one quantity step" in caught.value.fields["targets"][0]
