import numpy as np
import pytest

from backtests.engine.monte_carlo import returns_resampled, trades_resampled
from backtests.engine.optimisation import heatmap, optimise, parameter_grid, parameter_sample
from backtests.engine.simulation import backtest_run
from backtests.engine.strategies import SmaCross
from backtests.metrics import backtest_metrics
from market.arrays import BarArrays, InstrumentSpec
from tests.market.conftest import FIXTURES

GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, venue="NASDAQ", calendar="XNYS")
HISTORY = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
SPACE = {"fast": [5, 10, 15], "slow": [10, 20, 30]}


def make(params):
    return SmaCross(fast=params["fast"], slow=params["slow"])


def test_a_grid_search_runs_every_allowed_combination_and_picks_the_best():
    result = optimise(HISTORY, instrument=GOOG, timeframe="D1", make=make, candidates=parameter_grid(SPACE),
                      objective="return_pct", constraint=lambda p: p["fast"] < p["slow"])

    assert [c.params for c in result.candidates] == [
        {"fast": f, "slow": s} for f in (5, 10, 15) for s in (10, 20, 30) if f < s]
    best = max(result.candidates, key=lambda c: c.value)
    assert result.best == best
    run = backtest_run(HISTORY, instrument=GOOG, timeframe="D1", strategy=make(best.params))
    assert backtest_metrics(run).values["return_pct"] == best.value


def test_the_heatmap_has_the_objective_per_pair_and_none_where_the_constraint_refused():
    result = optimise(HISTORY, instrument=GOOG, timeframe="D1", make=make, candidates=parameter_grid(SPACE),
                      objective="sharpe", constraint=lambda p: p["fast"] < p["slow"])
    xs, ys, rows = heatmap(result, "fast", "slow")

    assert (xs, ys) == ([5, 10, 15], [10, 20, 30])
    assert rows[0] == [next(c.value for c in result.candidates if c.params == {"fast": 5, "slow": 10}), None, None]


def test_a_random_search_is_seeded_and_draws_distinct_combinations():
    a = parameter_sample(SPACE, count=4, seed=7)

    assert a == parameter_sample(SPACE, count=4, seed=7) and len({tuple(p.items()) for p in a}) == 4
    assert parameter_sample(SPACE, count=50, seed=1) == parameter_grid(SPACE)


def test_reordering_trades_keeps_the_final_equity_and_spreads_the_drawdowns():
    returns = np.array([0.1, -0.05, 0.2, -0.1, 0.03, -0.2, 0.15])
    mc = trades_resampled(returns, runs=500, seed=3, start_equity=100.0)

    assert mc.final_return_pct == pytest.approx(np.full(500, (np.prod(1 + returns) - 1) * 100))
    assert mc.max_drawdown_pct.min() < mc.max_drawdown_pct.max()
    assert mc.cone.shape == (5, 8) and np.all(np.diff(mc.cone, axis=0) >= 0)  # percentiles ordered
    again = trades_resampled(returns, runs=500, seed=3, start_equity=100.0)
    np.testing.assert_array_equal(mc.max_drawdown_pct, again.max_drawdown_pct)


def test_risk_of_ruin_counts_the_paths_that_lost_the_ruin_drawdown():
    # -60 % then +100 % falls to 0.4 of the start (ruin at a 50 % loss); +100 % then -60 % only to 0.8
    half = trades_resampled(np.array([-0.6, 1.0]), runs=1000, seed=1, ruin_drawdown=0.5)
    always = trades_resampled(np.array([-0.6, -0.1]), runs=100, seed=1, ruin_drawdown=0.5)
    never = trades_resampled(np.array([-0.1, 0.2]), runs=100, seed=1, ruin_drawdown=0.5)

    assert always.risk_of_ruin == 1.0 and never.risk_of_ruin == 0.0
    assert half.risk_of_ruin == pytest.approx(0.5, abs=0.05)


def test_return_resampling_draws_blocks_of_the_equity_returns():
    equity = np.array([100.0, 110.0, 99.0, 108.9])
    mc = returns_resampled(equity, runs=2000, seed=5, block=1)
    possible = {round(100 * a * b * c, 6) for a in (1.1, 0.9) for b in (1.1, 0.9) for c in (1.1, 0.9)}

    assert {round(v, 6) for v in 100 * (1 + mc.final_return_pct / 100)} <= possible
    assert mc.cone[:, 0].tolist() == [100.0] * 5
