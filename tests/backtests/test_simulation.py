"""The bar-by-bar run: intents decided from past bars only, filled by the paper broker from the next bar."""

import numpy as np
import pandas as pd
import pytest

from backtests.engine.simulation import BacktestSettings, backtest_run
from backtests.engine.sizing import FixedRisk
from backtests.engine.strategies import BacktestCancelled, ConfluenceStrategy, Intent, SmaCross
from market.arrays import BarArrays, InstrumentSpec
from market.timeframes import Timeframe
from portfolios.broker.costs import FREE, STOCK_COSTS
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from tests.market.conftest import FIXTURES

GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
CONFLUENCE = ConfluenceStrategy(config=StrategyConfig.from_dict(DEFAULT_CONFLUENCE))


def bars(rows):
    """Daily bars from (open, high, low, close) rows, from 2024-01-01."""
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"])
    frame["time"] = pd.date_range("2024-01-01", periods=len(rows), freq="D")
    frame["volume"] = 1000.0
    return BarArrays.from_frame(frame)


class Fixed:
    """A strategy that returns the intents it is given."""

    name = "fixed"

    def __init__(self, intents):
        self._intents = intents

    def params(self):
        return {}

    def intents(self, bars, *, instrument, timeframe):
        return [i for i in self._intents if i.index < len(bars)]


@pytest.mark.parametrize("t", [150, 777, 1500, 2147])
def test_smacross_intents_of_a_truncated_history_are_those_of_the_full_history(t):
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    strategy = SmaCross()
    full = strategy.intents(history, instrument=GOOG, timeframe=Timeframe.D1)

    assert strategy.intents(history.upto(t), instrument=GOOG, timeframe=Timeframe.D1) == [
        i for i in full if i.index <= t]


def test_confluence_intents_of_a_truncated_history_are_those_of_the_full_history():
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv").upto(1100)
    strategy = ConfluenceStrategy(config=CONFLUENCE.config, start=1000)
    full = strategy.intents(history, instrument=GOOG, timeframe=Timeframe.D1)

    assert full  # signals to compare
    for t in (1030, 1066):
        assert strategy.intents(history.upto(t), instrument=GOOG, timeframe=Timeframe.D1) == [
            i for i in full if i.index <= t]


def test_a_market_intent_fills_at_the_next_open_with_the_brokers_costs():
    data = bars([(100, 101, 99, 100), (102, 103, 101, 102), (104, 106, 103, 105), (106, 107, 105, 106)])
    intents = [Intent(index=0, direction=1), Intent(index=2, direction=0)]
    settings = BacktestSettings(cash=10_000, costs=STOCK_COSTS)
    run = backtest_run(data, instrument=GOOG, timeframe="D1", strategy=Fixed(intents), settings=settings)

    (trade,) = run.trades
    # ask = open + 1 tick (half of a 2-tick spread) + 1 bp slippage, rounded to the tick: 102.01 + 0.0102 -> 102.02
    assert (trade.entry_index, trade.entry_price) == (1, 102.02)
    assert trade.size == 10_000 * (1 - 2.220446049250313e-16) // (102 + 0.01 + 0.0102)
    # bid at bar 3's open: 106 - 0.01 - 0.0106 -> 105.98; commission $0.005 a share, at least $1, per fill
    assert (trade.exit_index, trade.exit_price) == (3, 105.98)
    assert trade.commission == 2.0 and trade.pnl == pytest.approx(trade.size * (105.98 - 102.02) - 2.0)
    assert run.equity[-1] == pytest.approx(10_000 + trade.pnl)


def test_a_bracket_exits_at_its_stop_or_its_targets():
    data = bars([(100, 100, 100, 100), (100, 101, 99, 100), (100, 103, 100, 102.5), (102, 102, 97, 98)])
    intent = Intent(index=0, direction=1, stop=98.0, targets=(102.0, 104.0), target_fractions=(0.5, 0.5))
    run = backtest_run(data, instrument=GOOG, timeframe="D1", strategy=Fixed([intent]),
                       settings=BacktestSettings(cash=10_000, sizing=FixedRisk(risk_per_trade=0.01)))

    (trade,) = run.trades
    # risk 1 % of 10,000 over a 2.00 stop distance: 50 shares; 25 at target 1 (102), 25 at the stop (98)
    assert (trade.size, trade.entry_price, trade.exit_index) == (50, 100.0, 3)
    assert trade.exit_price == 100.0 and trade.pnl == pytest.approx(25 * 2 - 25 * 2)
    assert trade.exit_reason == "target_1"


def test_an_opposite_intent_is_ignored_while_a_bracket_is_open_without_reverse():
    data = bars([(100, 100, 100, 100)] * 3 + [(100, 100, 100, 100)])
    intents = [Intent(index=0, direction=1, stop=90.0, targets=(110.0,), target_fractions=(1.0,)),
               Intent(index=1, direction=-1, stop=110.0, targets=(90.0,), target_fractions=(1.0,))]
    run = backtest_run(data, instrument=GOOG, timeframe="D1", strategy=Fixed(intents),
                       settings=BacktestSettings(reverse=False))

    assert run.trades == [] and run.open_position > 0


def test_a_run_asked_to_stop_stops():
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    asked = []

    def stop_after_500(bar):
        asked.append(bar)
        return bar >= 500

    with pytest.raises(BacktestCancelled):
        backtest_run(history, instrument=GOOG, timeframe="D1", strategy=SmaCross(), should_stop=stop_after_500)
    assert asked == [0, 250, 500]


def test_the_vectorised_confluence_mostly_agrees_with_the_replay():
    """The vectorised mode scores from the whole history, the live path from a 500-bar window: measured here."""
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv").upto(1300)
    replay = ConfluenceStrategy(config=CONFLUENCE.config, start=1100)
    fast = ConfluenceStrategy(config=CONFLUENCE.config, mode="vectorised", start=1100)
    a = {i: d.direction for i, d in replay.signals(history, instrument=GOOG, timeframe=Timeframe.D1)}
    b = {i: d.direction for i, d in fast.signals_vectorised(history, instrument=GOOG, timeframe=Timeframe.D1)}

    agree = sum(a.get(i) == b.get(i) for i in range(1100, 1301)) / 201
    assert agree >= 0.9, agree
    assert np.isfinite(agree)


@pytest.mark.parametrize("costs", [FREE, STOCK_COSTS])
def test_skipping_bars_no_order_can_reach_changes_nothing(costs):
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    strategy = ConfluenceStrategy(config=CONFLUENCE.config, mode="vectorised")
    intents = strategy.intents(history, instrument=GOOG, timeframe=Timeframe.D1)
    runs = [backtest_run(history, instrument=GOOG, timeframe="D1", strategy=strategy, intents=intents,
                         settings=BacktestSettings(costs=costs, sizing=FixedRisk(), skip_quiet_bars=skip))
            for skip in (True, False)]

    assert len(runs[0].trades) > 20 and {t.exit_reason for t in runs[0].trades} >= {"stop", "target_1"}
    assert runs[0].trades == runs[1].trades
    np.testing.assert_array_equal(runs[0].equity, runs[1].equity)


def test_a_deferred_intent_trades_as_the_same_intent_computed_upfront():
    history = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    strategy = ConfluenceStrategy(config=CONFLUENCE.config, mode="vectorised")
    upfront = [strategy._intent(i, d) for i, d in strategy.signals_vectorised(history, instrument=GOOG,
                                                                                timeframe=Timeframe.D1)]
    settings = BacktestSettings(sizing=FixedRisk())
    deferred = backtest_run(history, instrument=GOOG, timeframe="D1", strategy=strategy, settings=settings)
    computed = backtest_run(history, instrument=GOOG, timeframe="D1", strategy=strategy, settings=settings,
                            intents=upfront)

    assert deferred.trades == computed.trades and len(deferred.trades) > 20
