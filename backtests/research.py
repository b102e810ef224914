"""The research parts of a backtest's report, as stored with it: the Monte Carlo of its trades, and for an
optimised SmaCross run the grid's heatmap and the walk-forward. Pure (the engine's functions, no Django).

- Monte Carlo: the trades' returns on the account (P&L over the equity at the close before the entry)
  drawn with replacement, MC_RUNS paths, seeded, so the same run always shows the same cone.
- Optimisation: every (fast, slow) of SMA_GRID with fast < slow over the whole range, ranked by SQN.
  In sample: the heatmap shows how sensitive the figures are to the parameters, not what they earn.
- Walk-forward: rolling windows (in sample half the bars, out of sample a tenth, re-optimised on each),
  the stitched out-of-sample equity and its metrics: the honest figure of the optimised strategy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backtests.engine.monte_carlo import trades_resampled
from backtests.engine.optimisation import Params, heatmap, optimise, parameter_grid
from backtests.engine.simulation import BacktestRun, BacktestSettings
from backtests.engine.strategies import SmaCross, Strategy
from backtests.engine.walk_forward import walk_forward
from backtests.metrics import backtest_metrics
from market.arrays import BarArrays, InstrumentSpec

MC_RUNS = 500
MC_SEED = 19
CONE_POINTS = 200
SMA_GRID = {"fast": [5, 10, 15, 20, 30, 50], "slow": [20, 30, 50, 100, 150, 200]}
OBJECTIVE = "sqn"
WALK_FORWARD_MIN_BARS = 60


def monte_carlo_report(run: BacktestRun) -> dict[str, object] | None:
    """Percentile cone of the equity over the trades, max drawdown and final return percentiles, risk of
    ruin (50 % below the start); None with fewer than two trades."""
    if len(run.trades) < 2:
        return None
    before = [float(run.equity[max(t.entry_index - 1, 0)]) for t in run.trades]
    returns = np.array([t.pnl / equity for t, equity in zip(run.trades, before, strict=True)])
    start = float(run.equity[0])
    mc = trades_resampled(returns, runs=MC_RUNS, seed=MC_SEED, start_equity=start, method="bootstrap")
    steps = mc.cone.shape[1]
    points = np.unique(np.linspace(0, steps - 1, min(CONE_POINTS, steps)).astype(int))
    return {
        "method": "bootstrap", "runs": mc.runs, "percentiles": list(mc.percentiles),
        "trades": [int(p) for p in points],
        "cone": [[round(float(v), 2) for v in row[points]] for row in mc.cone],
        "max_drawdown_pct": _percentiles(mc.max_drawdown_pct), "final_return_pct": _percentiles(mc.final_return_pct),
        "risk_of_ruin_pct": round(mc.risk_of_ruin * 100, 2), "ruin_drawdown_pct": round(mc.ruin_drawdown * 100),
    }


def _percentiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{p}": round(float(np.percentile(values, p)), 2) for p in (5, 50, 95)}


def sma_optimisation_report(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: str,
                            settings: BacktestSettings, progress: Callable[[float], bool]) -> dict[str, object]:
    """The SmaCross grid over the bars: the objective's heatmap (rows slow, columns fast) and the best."""
    candidates = parameter_grid(SMA_GRID)
    found = optimise(bars, instrument=instrument, timeframe=timeframe, make=_sma, candidates=candidates,
                     objective=OBJECTIVE, constraint=_fast_below_slow, settings=settings,
                     first_bar=_warm_up, should_stop=lambda n: progress(n / len(candidates)))
    xs, ys, rows = heatmap(found, "fast", "slow")
    return {"objective": OBJECTIVE, "x": "fast", "y": "slow", "xs": xs, "ys": ys,
            "rows": [[None if v is None else round(v, 4) for v in row] for row in rows],
            "runs": len(found.candidates),
            "best": {"params": found.best.params, "value": round(found.best.value or 0.0, 4)} if found.best else None}


def sma_walk_forward_report(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: str,
                            settings: BacktestSettings, progress: Callable[[float], bool]) -> dict[str, object] | None:
    """Rolling walk-forward of the SmaCross grid; None when the range is too short to split."""
    n = len(bars)
    if n < WALK_FORWARD_MIN_BARS:
        return None
    train, test = n // 2, max(n // 10, 1)
    windows = -(-(n - train) // test)
    found = walk_forward(bars, instrument=instrument, timeframe=timeframe, make=_sma,
                         candidates=parameter_grid(SMA_GRID), train=train, test=test,
                         warm_up=max(SMA_GRID["slow"]), objective=OBJECTIVE, constraint=_fast_below_slow,
                         settings=settings, should_stop=lambda k: progress(k / windows))
    time = bars.time
    equity = found.run.equity
    points = np.unique(np.r_[np.linspace(0, len(equity) - 1, min(1000, len(equity))).astype(int), len(equity) - 1])
    metrics = backtest_metrics(found.run) if len(equity) >= 2 else None
    return {
        "train_bars": train, "test_bars": test, "anchored": False,
        "windows": [{"train_start": int(time[w.window.train_start]), "train_end": int(time[w.window.train_end]),
                     "test_start": int(time[w.window.test_start]), "test_end": int(time[w.window.test_end]),
                     "params": w.params, "in_sample_value": None if w.in_sample_value is None
                     else round(w.in_sample_value, 4), "out_of_sample_return_pct": round(w.out_of_sample_return_pct, 4)}
                    for w in found.windows],
        "equity": [[int(found.run.time[i]), round(float(equity[i]), 2)] for i in points],
        "metrics": metrics.values if metrics else None, "reasons": metrics.reasons if metrics else {},
    }


def _sma(params: Params) -> Strategy:
    return SmaCross(fast=int(params["fast"]), slow=int(params["slow"]))


def _fast_below_slow(params: Params) -> bool:
    return int(params["fast"]) < int(params["slow"])


def _warm_up(strategy: Strategy) -> int:
    assert isinstance(strategy, SmaCross)
    return strategy.warm_up()
