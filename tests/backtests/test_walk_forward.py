"""Walk-forward windows never leak: each optimisation sees only its in-sample bars, each out-of-sample
run only bars up to its window's end, and the out-of-sample windows tile the rest of the history."""

import numpy as np
import pytest

from backtests.engine.strategies import SmaCross
from backtests.engine.walk_forward import walk_forward, walk_forward_windows
from backtests.metrics import backtest_metrics
from market.arrays import BarArrays, InstrumentSpec
from tests.market.conftest import FIXTURES

GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
HISTORY = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")


class Spy(SmaCross):
    """SmaCross that records the newest bar each call saw."""

    seen: list[int] = []

    def intents(self, bars, *, instrument, timeframe):
        Spy.seen.append(int(bars.time[-1]))
        return super().intents(bars, instrument=instrument, timeframe=timeframe)


@pytest.mark.parametrize("anchored", [False, True])
def test_windows_tile_the_history_after_the_first_in_sample_window(anchored):
    windows = walk_forward_windows(1000, train=300, test=100, anchored=anchored)

    assert [(w.test_start, w.test_end) for w in windows] == [(s, s + 99) for s in range(300, 1000, 100)]
    for w in windows:
        assert w.train_end == w.test_start - 1
        assert w.train_start == (0 if anchored else w.test_start - 300)


@pytest.mark.parametrize("anchored", [False, True])
def test_no_window_sees_a_bar_after_it(anchored):
    bars = HISTORY.upto(999)
    calls = []

    def make(params):
        spy = Spy(fast=params["fast"], slow=params["slow"])
        calls.append(len(Spy.seen))
        return spy

    Spy.seen = []
    result = walk_forward(bars, instrument=GOOG, timeframe="D1", make=make,
                          candidates=[{"fast": f, "slow": s} for f in (5, 10) for s in (20, 40)],
                          train=400, test=200, anchored=anchored, warm_up=50, objective="return_pct")

    assert len(result.windows) == 3
    times = bars.time
    seen = iter(Spy.seen)
    for window_result in result.windows:
        w = window_result.window
        in_sample = [next(seen) for _ in range(4)]  # four candidates, each on the in-sample bars only
        assert max(in_sample) == times[w.train_end]
        if window_result.params is not None:
            assert next(seen) == times[w.test_end]  # the out-of-sample run ends at its window
    for trade in result.run.trades:  # every out-of-sample trade opens inside the out-of-sample stretch
        assert trade.entry_index >= 0 and trade.exit_index < len(result.run.time)
    assert len(result.run.equity) == 600 and np.all(np.isfinite(result.run.equity))
    assert backtest_metrics(result.run).values["trades"] == len(result.run.trades) > 0


def test_each_window_starts_with_the_equity_the_previous_one_ended_with():
    result = walk_forward(HISTORY.upto(1199), instrument=GOOG, timeframe="D1",
                          make=lambda p: SmaCross(fast=p["fast"], slow=p["slow"]),
                          candidates=[{"fast": 10, "slow": 20}, {"fast": 20, "slow": 50}],
                          train=500, test=350, warm_up=60)

    equity = result.run.equity
    growth = np.prod([1 + w.out_of_sample_return_pct / 100 for w in result.windows])
    assert equity[-1] == pytest.approx(10_000 * growth)
