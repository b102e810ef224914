"""The research parts of a backtest's report, as stored with it: the Monte Carlo of its trades, and for an
optimised SmaCross run the grid's heatmap and the walk-forward. Pure (the engine's functions, no Django).

- Monte Carlo: the trades' returns on the account (P&L over the equity at the close before the entry)
  drawn with replacement, MC_RUNS paths, seeded, so the same run always shows the same cone.
- Optimisation: (fast, slow) with fast < slow over the whole range, ranked by the objective (SQN unless
  asked): every pair of SMA_GRID, or a budget of pairs of SMA_RANGES drawn at random or by Bayesian
  search (backtests.engine.search), each trial listed. In sample: the heatmap (of the pairs tried)
  shows how sensitive the figures are to the parameters, not what they earn. The candidates are
  evaluated by the caller's `evaluate` (here, or over workers), with the same result.
- Walk-forward: rolling windows (in sample half the bars, out of sample a tenth, re-optimised on each
  by the same method, here), the stitched out-of-sample equity and its metrics: the honest figure of the
  optimised strategy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backtests.engine.monte_carlo import trades_resampled
from backtests.engine.optimisation import Candidate, Optimisation, Params, heatmap, optimise
from backtests.engine.search import Evaluate, search
from backtests.engine.simulation import BacktestRun, BacktestSettings
from backtests.engine.sizing import AllIn
from backtests.engine.strategies import SmaCross, Strategy
from backtests.engine.walk_forward import walk_forward
from backtests.metrics import backtest_metrics
from backtests.parameters import BacktestParams
from market.arrays import BarArrays, InstrumentSpec
from portfolios.broker.costs import FREE, cost_model_for

MC_RUNS = 500
MC_SEED = 19
CONE_POINTS = 200
SMA_GRID = {"fast": [5, 10, 15, 20, 30, 50], "slow": [20, 30, 50, 100, 150, 200]}
SMA_RANGES = {"fast": list(range(5, 105, 5)), "slow": list(range(20, 310, 10))}  # random and bayesian
SEARCH_SEED = 19
SEARCH_BATCH = 8  # parameter sets asked and evaluated together (one chunk of work each)
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


def sma_settings(params: BacktestParams, instrument: InstrumentSpec) -> BacktestSettings:
    """A SmaCross run's account: the cash asked, the venue's costs (or none), all the cash on each entry."""
    costs = cost_model_for(instrument) if params.costs == "default" else FREE
    return BacktestSettings(cash=params.cash, costs=costs, sizing=AllIn())


def sma_evaluator(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: str, settings: BacktestSettings,
                  objective: str) -> Evaluate:
    """Backtest each SmaCross parameter set of a batch over the bars, here: the candidates in order."""
    def evaluate(batch: list[Params]) -> list[Candidate]:
        return optimise(bars, instrument=instrument, timeframe=timeframe, make=_sma, candidates=batch,
                        objective=objective, settings=settings, first_bar=_warm_up).candidates
    return evaluate


def sma_search(params: BacktestParams, *, evaluate: Evaluate, progress: Callable[[float], bool]) -> Optimisation:
    """The SmaCross search the parameters ask for (method, budget, objective), fast below slow."""
    method = params.method or "grid"
    return search(SMA_GRID if method == "grid" else SMA_RANGES, method=method, evaluate=evaluate,
                  objective=params.objective or "sqn", budget=params.budget, seed=SEARCH_SEED, batch=SEARCH_BATCH,
                  constraint=_fast_below_slow, should_stop=lambda done, planned: progress(done / max(planned, 1)))


def sma_optimisation_report(found: Optimisation, *, method: str, budget: int | None) -> dict[str, object]:
    """The search as stored: the objective's heatmap of the pairs tried (rows slow, columns fast), every
    trial in the order tried, and the best."""
    xs, ys, rows = heatmap(found, "fast", "slow")
    return {"method": method, "budget": budget, "objective": found.objective, "x": "fast", "y": "slow",
            "xs": xs, "ys": ys, "rows": [[_rounded(v) for v in row] for row in rows],
            "runs": len(found.candidates),
            "trials": [{"params": c.params, "value": _rounded(c.value)} for c in found.candidates],
            "best": {"params": found.best.params, "value": round(found.best.value or 0.0, 4)} if found.best else None}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def sma_walk_forward_report(bars: BarArrays, *, instrument: InstrumentSpec, params: BacktestParams,
                            settings: BacktestSettings, progress: Callable[[float], bool]) -> dict[str, object] | None:
    """Rolling walk-forward of the SmaCross search the parameters ask for, each window's search run here;
    None when the range is too short to split."""
    timeframe = params.timeframe
    n = len(bars)
    if n < WALK_FORWARD_MIN_BARS:
        return None
    train, test = n // 2, max(n // 10, 1)
    windows = -(-(n - train) // test)
    objective = params.objective or "sqn"

    def window_search(in_sample: BarArrays) -> Optimisation:
        evaluate = sma_evaluator(in_sample, instrument=instrument, timeframe=timeframe, settings=settings,
                                 objective=objective)
        return sma_search(params, evaluate=evaluate, progress=lambda done: False)

    space = SMA_GRID if (params.method or "grid") == "grid" else SMA_RANGES
    found = walk_forward(bars, instrument=instrument, timeframe=timeframe, make=_sma, search=window_search,
                         train=train, test=test, warm_up=max(space["slow"]), objective=objective,
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
