"""Trading costs: spreads in pips, bps or ticks, commissions per venue, forex swap over rollovers."""

import pytest

from portfolios.broker.costs import (
    CRYPTO_COSTS,
    FOREX_COSTS,
    STOCK_COSTS,
    Commission,
    CostModel,
    PriceOffset,
    cost_model_for,
    rollover_nights,
    swap_amount,
)
from portfolios.broker.matching import orders_match
from portfolios.broker.orders import Order, Side
from tests.portfolios.conftest import BTCUSD, EURUSD, GOOG, HOUR, USDJPY, hourly, utc


def test_a_one_pip_forex_spread_puts_a_buy_half_a_pip_above_the_mid_and_a_sell_half_below():
    costs = CostModel(spread=PriceOffset(pips=1.0))
    orders = [Order(id="b", symbol="EURUSD", side=Side.BUY, quantity=100_000, created_at=HOUR),
              Order(id="s", symbol="EURUSD", side=Side.SELL, quantity=100_000, created_at=HOUR)]

    match = orders_match(orders, hourly(1, 1.1, 1.1010, 1.0990, 1.1), instrument=EURUSD, time=2 * HOUR, costs=costs)

    assert [f.price for f in match.fills] == [1.10005, 1.09995]


def test_a_jpy_pairs_pip_is_a_hundredth_of_a_yen():
    assert PriceOffset(pips=2).at(150.0, USDJPY) == 0.02
    assert PriceOffset(pips=2).at(1.1, EURUSD) == pytest.approx(0.0002)


def test_offsets_in_bps_and_ticks_add_up():
    assert PriceOffset(bps=10, ticks=3).at(200.0, GOOG) == pytest.approx(0.2 + 0.03)


def test_a_per_share_commission_has_its_minimum_per_fill():
    per_share = Commission(per_unit=0.005, minimum=1.0)

    assert per_share.amount(100, 50.0, GOOG) == 1.0
    assert per_share.amount(1_000, 50.0, GOOG) == pytest.approx(5.0)


def test_a_per_lot_commission_counts_lots_of_the_instruments_lot_size():
    assert Commission(per_lot=3.5).amount(250_000, 1.1, EURUSD) == pytest.approx(8.75)


def test_a_bps_commission_is_a_share_of_the_notional_including_crypto_fractions():
    assert Commission(bps=25).amount(0.0015, 40_000.0, BTCUSD) == pytest.approx(0.15)


def test_no_commission_configured_charges_nothing():
    assert Commission().amount(1_000, 10.0, GOOG) == 0.0


def test_each_venue_has_its_default_costs():
    assert (cost_model_for(GOOG), cost_model_for(EURUSD), cost_model_for(BTCUSD)) == (
        STOCK_COSTS, FOREX_COSTS, CRYPTO_COSTS)
    assert FOREX_COSTS.commission.currency_of(EURUSD) == "USD" and STOCK_COSTS.commission.currency_of(GOOG) == "USD"


@pytest.mark.parametrize(("start", "end", "nights"), [
    ("2024-01-08 21:00", "2024-01-09 23:00", 2),  # Monday 16:00 to Tuesday 18:00 New York: two rollovers
    ("2024-01-10 21:00", "2024-01-11 21:00", 3),  # over Wednesday's rollover: three nights
    ("2024-01-12 21:00", "2024-01-15 21:00", 1),  # Friday to Monday: Friday's rollover only
    ("2024-01-08 21:00", "2024-01-15 21:00", 7),  # a whole week
    ("2024-01-08 22:00", "2024-01-09 21:00", 0),  # from the rollover instant itself, not counted again
    ("2024-01-08 21:00", "2024-01-08 22:00", 1),  # up to the rollover instant, counted
    ("2024-07-08 20:00", "2024-07-08 21:00", 1),  # summer time: 17:00 New York is 21:00 UTC
    ("2024-07-08 21:00", "2024-07-08 23:00", 0),
])
def test_swap_is_charged_per_rollover_at_five_pm_new_york_three_times_on_wednesday(start, end, nights):
    assert rollover_nights(utc(start), utc(end)) == nights


def test_swap_in_pips_per_unit_per_night_signed_by_the_side_held():
    costs = CostModel(swap_long_pips=-0.6, swap_short_pips=0.2)

    assert swap_amount(100_000, 3, costs, EURUSD) == pytest.approx(-18.0)  # -$6 a night on a long lot
    assert swap_amount(-100_000, 1, costs, EURUSD) == pytest.approx(2.0)
    assert swap_amount(100_000, 1, costs, USDJPY) == pytest.approx(-600.0)  # yen
    assert swap_amount(100, 5, costs, GOOG) == 0.0  # no pip: no swap
