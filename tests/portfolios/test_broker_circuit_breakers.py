"""Circuit breakers block new orders and say why; reducing orders always pass. Exposure by class and currency."""

import numpy as np
import pytest

from portfolios.broker.accounts import Account, Book, Market, Position
from portfolios.broker.circuit_breakers import (
    Correlations,
    OrderBlocked,
    RiskLimits,
    RiskSnapshot,
    order_blocks,
    orders_submit,
)
from portfolios.broker.orders import Order, OrderRejected, OrderType, Side
from portfolios.broker.risk import exposure_by_asset_class, exposure_by_currency
from tests.portfolios.conftest import BTCUSD, EURUSD, GBPUSD, GOOG, USDJPY

MARKET = Market(instruments={i.symbol: i for i in (EURUSD, GBPUSD, USDJPY, GOOG, BTCUSD)})
CORRELATED = Correlations(("EURUSD", "GBPUSD", "USDJPY"), np.array([[1.0, 0.9, -0.2], [0.9, 1.0, -0.1],
                                                                    [-0.2, -0.1, 1.0]]))


def snapshot(equity=100_000.0, day_start=100_000.0, **exposures) -> RiskSnapshot:
    return RiskSnapshot(equity=equity, day_start_equity=day_start, exposures=exposures)


def test_the_daily_loss_limit_blocks_new_orders_once_equity_is_down_that_much_since_the_day_began():
    reasons = order_blocks(symbol="GOOG", notional=1_000.0, snapshot=snapshot(equity=96_500.0),
                           limits=RiskLimits(daily_loss_limit=0.03))

    assert reasons == ["New orders are paused for today: the portfolio is down 3.5% since the day began, at or "
                       "beyond its daily loss limit of 3.0%."]
    assert order_blocks(symbol="GOOG", notional=1_000.0, snapshot=snapshot(equity=97_500.0),
                        limits=RiskLimits(daily_loss_limit=0.03)) == []


def test_an_order_that_only_reduces_a_position_passes_even_past_the_daily_loss_limit():
    down = snapshot(equity=90_000.0, GOOG=5_000.0)

    assert order_blocks(symbol="GOOG", notional=-5_000.0, snapshot=down, limits=RiskLimits(daily_loss_limit=0.03)) == []
    assert order_blocks(symbol="GOOG", notional=-6_000.0, snapshot=down, limits=RiskLimits(daily_loss_limit=0.03))


def test_max_open_positions_blocks_a_new_instrument_but_not_adding_to_one_held():
    full = snapshot(GOOG=5_000.0, BTCUSD=2_000.0)
    limits = RiskLimits(max_open_positions=2)

    assert order_blocks(symbol="EURUSD", notional=1_000.0, snapshot=full, limits=limits) == [
        "The portfolio already holds 2 open positions, the most its limit of 2 allows."]
    assert order_blocks(symbol="GOOG", notional=1_000.0, snapshot=full, limits=limits) == []


def test_the_cluster_limit_adds_the_positions_correlated_with_the_order_and_names_them():
    held = snapshot(GBPUSD=40_000.0, USDJPY=30_000.0)
    limits = RiskLimits(max_cluster_exposure=0.5, correlation_threshold=0.7)

    reasons = order_blocks(symbol="EURUSD", notional=20_000.0, snapshot=held, limits=limits, correlations=CORRELATED)

    assert reasons == ["EURUSD moves with GBPUSD (correlation of 0.70 or more): together they would be 60% of "
                       "equity, above the limit of 50% for one cluster."]
    assert order_blocks(symbol="EURUSD", notional=5_000.0, snapshot=held, limits=limits, correlations=CORRELATED) == []


def test_a_position_against_a_correlated_one_hedges_the_cluster_instead_of_adding_to_it():
    held = snapshot(GBPUSD=-40_000.0)

    assert order_blocks(symbol="EURUSD", notional=60_000.0, snapshot=held, correlations=CORRELATED,
                        limits=RiskLimits(max_cluster_exposure=0.5)) == []


def test_an_instrument_alone_above_the_cluster_limit_is_blocked_too():
    reasons = order_blocks(symbol="GOOG", notional=60_000.0, snapshot=snapshot(),
                           limits=RiskLimits(max_cluster_exposure=0.5))

    assert reasons == ["GOOG would be 60% of equity, above the limit of 50% for one cluster."]


def test_correlations_from_aligned_returns():
    rising = np.array([0.01, 0.02, -0.01, 0.03])
    correlations = Correlations.from_returns({"A": rising, "B": rising * 2, "C": -rising, "D": np.zeros(4)})

    assert correlations.between("A", "B") == pytest.approx(1.0) and correlations.between("A", "C") == pytest.approx(-1)
    assert correlations.between("A", "D") == 0.0 and correlations.between("A", "Z") == 0.0


def book_holding(**quantities) -> Book:
    prices = {"EURUSD": 1.25, "GBPUSD": 1.5, "USDJPY": 125.0, "GOOG": 100.0, "BTCUSD": 40_000.0}
    positions = {s: Position(s, q, prices[s], prices[s], 0, 0) for s, q in quantities.items()}
    return Book(account=Account(currency="USD", cash=100_000.0, equity=100_000.0, day=0, day_start_equity=100_000.0),
                positions=positions)


FX = {"EURUSD": 1.25, "GBPUSD": 1.5, "USDJPY": 125.0}


def test_submitting_a_blocked_order_raises_with_the_reasons_and_places_nothing():
    book = book_holding(GOOG=10.0, BTCUSD=0.5)
    order = Order(id="o", symbol="EURUSD", side=Side.BUY, quantity=10_000)

    with pytest.raises(OrderBlocked) as blocked:
        orders_submit(book, [order], market=MARKET, reference_price=1.25, fx_closes=FX,
                      limits=RiskLimits(max_open_positions=2))

    assert blocked.value.reasons == ["The portfolio already holds 2 open positions, the most its limit of 2 allows."]
    assert book.orders == ()


def test_submitting_a_bad_order_raises_per_field_before_any_breaker():
    bad = Order(id="o", symbol="GOOG", side=Side.BUY, quantity=0, type=OrderType.LIMIT)

    with pytest.raises(OrderRejected) as rejected:
        orders_submit(book_holding(), [bad], market=MARKET, reference_price=100.0, fx_closes=FX,
                      limits=RiskLimits(max_open_positions=0))

    assert set(rejected.value.fields) == {"quantity", "limit_price"}


def test_submitting_a_good_order_places_it():
    order = Order(id="o", symbol="GOOG", side=Side.BUY, quantity=10, type=OrderType.LIMIT, limit_price=99.0)

    book = orders_submit(book_holding(), [order], market=MARKET, reference_price=100.0, fx_closes=FX,
                         limits=RiskLimits(daily_loss_limit=0.03, max_open_positions=5))

    assert book.orders == (order,)


def test_exposure_by_asset_class_in_the_account_currency():
    exposure = exposure_by_asset_class(book_holding(GOOG=10.0, BTCUSD=-0.5, USDJPY=100_000.0), MARKET, FX)

    assert (exposure["stock"].long, exposure["crypto"].short, exposure["crypto"].net) == (1_000.0, 20_000.0, -20_000.0)
    assert exposure["forex"].gross == pytest.approx(100_000.0)  # 12.5M yen at 125 a dollar


def test_exposure_by_currency_counts_both_legs_of_a_forex_position():
    exposure = exposure_by_currency(book_holding(EURUSD=100_000.0, USDJPY=-100_000.0, GOOG=10.0), MARKET, FX)

    assert exposure["EUR"] == pytest.approx(125_000.0)  # long 100,000 euros
    assert exposure["JPY"] == pytest.approx(100_000.0)  # short dollars against yen: long 12.5M yen
    assert exposure["USD"] == pytest.approx(-125_000.0 - 100_000.0 + 1_000.0)
