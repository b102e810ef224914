"""Through the service path: circuit breakers that block an order and say why (daily loss, open positions,
correlated cluster), a reducing order that passes them, forex pips and lots with swap, a portfolio in
another currency converted with the FX pair's bars, Kelly sizing capped, and the risk panel."""

import pytest

from config.errors import InvalidInput
from portfolios.broker.sizing import NO_CONFIDENCE, SizingRefused, SizingRule, position_size
from portfolios.models import CashEntry, PaperOrder, PaperPosition
from portfolios.selectors import risk_report
from portfolios.services import CircuitBreakerTripped, order_place, portfolio_create
from tests.portfolios.conftest import BTCUSD, EURUSD, GOOG, order

pytestmark = pytest.mark.django_db


def test_daily_loss_limit_blocks_new_orders_but_not_a_reducing_one(alice_actor, portfolio, tape):
    portfolio.daily_loss_limit = 0.02
    portfolio.save()
    btc = tape("BTCUSD")
    btc.bar(1000, 1000, 1000, 1000)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 50))
    btc.bar(1000, 1000, 1000, 1000)  # filled, marked: the day starts here
    btc.bar(1000, 1000, 900, 920)  # down 4,000 of 100,000: 4%
    with pytest.raises(CircuitBreakerTripped, match=r"down 4.*daily loss limit of 2\.0%") as blocked:
        order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    assert blocked.value.status == 409 and blocked.value.extra["reasons"]
    assert PaperOrder.objects.count() == 1
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "sell", 50))  # cutting risk passes


def test_max_open_positions_blocks_a_new_instrument(alice_actor, portfolio, tape):
    portfolio.max_open_positions = 1
    portfolio.save()
    btc, eth = tape("BTCUSD"), tape("ETHUSD")
    btc.bar(100, 100, 100, 100)
    eth.bar(50, 50, 50, 50)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))
    btc.bar(100, 100, 100, 100)
    with pytest.raises(CircuitBreakerTripped, match="already holds 1 open positions"):
        order_place(actor=alice_actor, portfolio=portfolio, request=order("ETHUSD", "buy", 1))
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 1))  # adding to it is fine


def test_correlated_cluster_exposure_is_capped(alice_actor, portfolio, tape):
    portfolio.max_cluster_exposure = 0.5
    portfolio.save()
    btc, eth = tape("BTCUSD"), tape("ETHUSD")
    for n in range(30):  # two instruments moving together
        move = 1 + 0.01 * ((n * 7) % 5 - 2)
        btc.bar(100 * move, 100 * move, 100 * move, 100 * move)
        eth.bar(50 * move, 50 * move, 50 * move, 50 * move)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 400))  # ~40% of equity
    btc.bar(100, 100, 100, 100)
    with pytest.raises(CircuitBreakerTripped, match="ETHUSD moves with BTCUSD"):
        order_place(actor=alice_actor, portfolio=portfolio, request=order("ETHUSD", "buy", 400))


def test_forex_lots_pips_swap_and_a_euro_portfolio(alice_actor, tape):
    euro = portfolio_create(actor=alice_actor, name="Euro", currency="EUR", starting_balance=10_000)
    eurusd = tape("EURUSD")
    eurusd.bar(1.10000, 1.10000, 1.10000, 1.10000)
    with pytest.raises(InvalidInput) as refused:  # a thousandth of a lot is below the micro lot
        order_place(actor=alice_actor, portfolio=euro, request=order("EURUSD", "buy", 100))
    assert refused.value.fields["quantity"] == ["The quantity must be a multiple of 0.01 lot (1000 units)."]
    order_place(actor=alice_actor, portfolio=euro, request=order("EURUSD", "buy", 10_000))  # 0.1 lot
    eurusd.bar(1.10000, 1.10000, 1.10000, 1.10000)
    fill_price = PaperPosition.objects.get(portfolio=euro).average_price
    assert fill_price == pytest.approx(1.10000 + 0.00005 + 0.00002)  # half of a 1-pip spread, 0.2 pip slippage
    commission = CashEntry.objects.get(portfolio=euro, kind="commission").amount
    assert commission == pytest.approx(-0.1 * 3.5 / 1.1)  # $3.50 a lot, converted to EUR at 1.10
    eurusd.bar(1.10100, 1.10100, 1.10100, 1.10100)  # +10 pips on 0.1 lot: $10, in EUR at 1.101
    euro.refresh_from_db()
    assert euro.unrealized_pnl == pytest.approx(10_000 * (1.101 - fill_price) / 1.101)
    assert euro.equity == pytest.approx(10_000 + commission + euro.unrealized_pnl)


def test_a_stock_in_a_euro_portfolio_is_marked_in_euros(alice_actor, tape):
    euro = portfolio_create(actor=alice_actor, name="Euro", currency="EUR", starting_balance=10_000)
    tape("EURUSD").bar(1.25, 1.25, 1.25, 1.25)
    goog = tape("GOOG", "D1")
    goog.bar(100, 100, 100, 100)
    order_place(actor=alice_actor, portfolio=euro, request=order("GOOG", "buy", 10))
    goog.bar(100, 100, 100, 100)
    goog.bar(110, 110, 110, 110)
    euro.refresh_from_db()
    position = PaperPosition.objects.get(portfolio=euro)
    assert euro.unrealized_pnl == pytest.approx(10 * (110 - position.average_price) / 1.25)
    assert risk_report(portfolio=euro).exposure_by_currency == {"USD": pytest.approx(1100 / 1.25)}


def test_kelly_is_capped():
    rule = SizingRule(method="kelly", kelly_multiplier=1.0, kelly_cap=0.02)
    # p = 0.6, b = 2: full Kelly 0.4 of equity at risk, capped at 2%: 2,000 over a risk of 2 a share
    assert position_size(rule, equity=100_000, entry=100, stop=98, instrument=GOOG, confidence=0.6,
                         payoff_ratio=2.0) == 1000
    half = SizingRule(method="kelly", kelly_multiplier=0.5, kelly_cap=0.25)
    assert position_size(half, equity=100_000, entry=100, stop=98, instrument=GOOG, confidence=0.55,
                         payoff_ratio=1.0) == 2500  # (0.55 - 0.45) x 0.5 = 5% at risk: 5,000 over 2 a share
    with pytest.raises(SizingRefused, match="no edge"):
        position_size(half, equity=100_000, entry=100, stop=98, instrument=GOOG, confidence=0.3, payoff_ratio=1.0)
    with pytest.raises(SizingRefused) as refused:
        position_size(half, equity=100_000, entry=100, stop=98, instrument=GOOG, confidence=None)
    assert str(refused.value) == NO_CONFIDENCE


def test_sizes_floor_to_the_instruments_step():
    rule = SizingRule(method="fixed_fraction", risk_fraction=0.01)
    assert position_size(rule, equity=10_000, entry=1.1, stop=1.099, instrument=EURUSD) == 100_000  # 1 lot
    assert position_size(rule, equity=1_000, entry=30_000, stop=29_000, instrument=BTCUSD) == 0.01
    with pytest.raises(SizingRefused, match="below the smallest step"):
        position_size(SizingRule(method="fixed_amount", amount=50), equity=1e5, entry=1.1, stop=1, instrument=EURUSD)


def test_the_risk_panel_reads_var_drawdown_and_ratios(alice_actor, portfolio, tape):
    btc = tape("BTCUSD")
    btc.bar(100, 100, 100, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 100))
    for close in (100, 103, 99, 104, 98, 101, 97, 105, 102, 100, 96, 99):
        btc.bar(close, close, close, close)
    report = risk_report(portfolio=portfolio)
    assert report.marks == 12
    assert set(report.var) == {"historical_95", "historical_99", "parametric_95", "parametric_99"}
    assert report.var["historical_99"] >= report.var["historical_95"] > 0
    assert report.cvar["parametric_99"] > report.var["parametric_99"]
    assert 0 < report.max_drawdown < 0.02 and report.sharpe is not None and report.sortino is not None
    assert report.exposure_by_asset_class["crypto"]["long"] == pytest.approx(9_900)
