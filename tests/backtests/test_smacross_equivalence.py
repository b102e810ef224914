"""Beacon's SmaCross reproduces backtesting.py's trades, equity and statistics on the bundled GOOG
daily bars, as recorded from backtesting.py itself (tests/backtests/recorded/README.md)."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backtests.engine.simulation import BacktestSettings, backtest_run
from backtests.engine.sizing import AllIn
from backtests.engine.strategies import SmaCross
from backtests.metrics import backtest_metrics
from market.arrays import BarArrays, InstrumentSpec
from portfolios.broker.costs import FREE

RECORDED = json.loads((Path(__file__).parent / "recorded" / "smacross_goog.json").read_text())
GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
FIXTURE = Path(__file__).resolve().parents[2] / RECORDED["data"]
# backtesting.py's names for our metric keys
THEIR_NAMES = {
    "start": "Start", "end": "End", "duration_days": "Duration", "exposure_time_pct": "Exposure Time [%]",
    "equity_final": "Equity Final [$]", "equity_peak": "Equity Peak [$]", "return_pct": "Return [%]",
    "buy_hold_return_pct": "Buy & Hold Return [%]", "return_ann_pct": "Return (Ann.) [%]",
    "volatility_ann_pct": "Volatility (Ann.) [%]", "cagr_pct": "CAGR [%]", "sharpe": "Sharpe Ratio",
    "sortino": "Sortino Ratio", "calmar": "Calmar Ratio", "alpha_pct": "Alpha [%]", "beta": "Beta",
    "max_drawdown_pct": "Max. Drawdown [%]", "avg_drawdown_pct": "Avg. Drawdown [%]",
    "max_drawdown_duration_days": "Max. Drawdown Duration", "avg_drawdown_duration_days": "Avg. Drawdown Duration",
    "trades": "# Trades", "win_rate_pct": "Win Rate [%]", "best_trade_pct": "Best Trade [%]",
    "worst_trade_pct": "Worst Trade [%]", "avg_trade_pct": "Avg. Trade [%]",
    "max_trade_duration_days": "Max. Trade Duration", "avg_trade_duration_days": "Avg. Trade Duration",
    "profit_factor": "Profit Factor", "expectancy_pct": "Expectancy [%]", "sqn": "SQN", "kelly": "Kelly Criterion",
}


@pytest.fixture(scope="module")
def run():
    assert RECORDED["settings"]["commission"] == 0 and RECORDED["settings"]["spread"] == 0
    strategy = SmaCross(fast=RECORDED["strategy"]["n1"], slow=RECORDED["strategy"]["n2"])
    settings = BacktestSettings(cash=RECORDED["settings"]["cash"], costs=FREE, sizing=AllIn(), reverse=True)
    return backtest_run(BarArrays.from_csv(FIXTURE), instrument=GOOG, timeframe="D1", strategy=strategy,
                        settings=settings, first_bar=strategy.warm_up())


def test_smacross_makes_backtesting_py_trades_to_the_cent(run):
    ours = [(t.direction * int(t.size), t.entry_index, t.exit_index, t.entry_price, t.exit_price, round(t.pnl, 2))
            for t in run.trades]
    theirs = [(t["size"], t["entry_bar"], t["exit_bar"], t["entry_price"], t["exit_price"], round(t["pnl"], 2))
              for t in RECORDED["trades"]]

    assert len(ours) == 93 and ours == theirs
    for trade, recorded in zip(run.trades, RECORDED["trades"], strict=True):
        assert trade.return_fraction == pytest.approx(recorded["return_pct"], rel=1e-12)
        assert pd.Timestamp(trade.entry_time, unit="s").isoformat() == recorded["entry_time"]
        assert pd.Timestamp(trade.exit_time, unit="s").isoformat() == recorded["exit_time"]


def test_smacross_equity_curve_equals_backtesting_py_to_the_cent(run):
    np.testing.assert_allclose(run.equity, RECORDED["equity"], rtol=0, atol=0.005)
    assert run.open_position != 0  # the last trade is still open, in the equity and not in the trades, as recorded


def test_smacross_statistics_equal_backtesting_py(run):
    metrics = backtest_metrics(run)

    assert list(metrics.values) == list(THEIR_NAMES)
    for key, name in THEIR_NAMES.items():
        ours, theirs = metrics.values[key], RECORDED["stats"][name]
        if key in ("start", "end"):
            assert ours == theirs + "+00:00"
        elif key in ("equity_final", "equity_peak"):
            assert round(ours, 2) == round(theirs, 2), key  # money: to the cent
        else:
            assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12), (key, ours, theirs)
    assert metrics.reasons == {}
