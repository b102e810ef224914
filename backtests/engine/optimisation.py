"""Parameter search: a grid or seeded random draws, constraints, any metric as the objective. No Django.

Each candidate is a full backtest of the strategy the `make` function builds from the parameters;
the heatmap is the objective over two parameters (the best value over the others).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from backtests.engine.simulation import BacktestSettings, backtest_run
from backtests.engine.strategies import BacktestCancelled, Strategy
from backtests.metrics import backtest_metrics
from market.arrays import BarArrays, InstrumentSpec
from market.timeframes import Timeframe

Params = dict[str, int | float | str]
Space = Mapping[str, Sequence[int | float | str]]


class OptimisationError(ValueError):
    """A search that cannot run; `fields` maps each parameter to what is wrong with it."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))


@dataclass(frozen=True)
class Candidate:
    params: Params
    value: float | None  # the objective; None when undefined for that run (e.g. no trades)
    metrics: dict[str, float | int | str | None] = field(compare=False, default_factory=dict)


@dataclass(frozen=True)
class Optimisation:
    objective: str
    maximise: bool
    candidates: list[Candidate]  # every run, in the order tried
    best: Candidate | None  # None when no run defined the objective


def parameter_grid(space: Space) -> list[Params]:
    """Every combination of the parameter values, in the order given."""
    names = list(space)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(space[n] for n in names))]


def parameter_sample(space: Space, *, count: int, seed: int) -> list[Params]:
    """`count` distinct combinations drawn at random (seeded) from the grid, or all of it when smaller."""
    grid = parameter_grid(space)
    if count >= len(grid):
        return grid
    picks = np.random.default_rng(seed).choice(len(grid), size=count, replace=False)
    return [grid[int(i)] for i in picks]


def optimise(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str,
             make: Callable[[Params], Strategy], candidates: Sequence[Params], objective: str = "sqn",
             maximise: bool = True, constraint: Callable[[Params], bool] | None = None,
             settings: BacktestSettings | None = None, first_bar: Callable[[Strategy], int] | None = None,
             should_stop: Callable[[int], bool] | None = None) -> Optimisation:
    """Backtest every candidate that passes `constraint` and rank them by the metric `objective`.
    `should_stop(candidate index)` is asked before each candidate; True raises BacktestCancelled."""
    tried = []
    for number, params in enumerate(candidates):
        if should_stop is not None and should_stop(number):
            raise BacktestCancelled(f"stopped at candidate {number} of {len(candidates)}")
        if constraint is not None and not constraint(params):
            continue
        strategy = make(params)
        run = backtest_run(bars, instrument=instrument, timeframe=timeframe, strategy=strategy, settings=settings,
                           first_bar=first_bar(strategy) if first_bar else 0)
        metrics = backtest_metrics(run).values
        if objective not in metrics:
            raise OptimisationError({"objective": [f"Unknown metric {objective!r}."]})
        value = metrics[objective]
        tried.append(Candidate(params=params, value=float(value) if isinstance(value, int | float) else None,
                               metrics=metrics))
    ranked = [c for c in tried if c.value is not None and math.isfinite(c.value)]
    best = (max if maximise else min)(ranked, key=lambda c: c.value or 0.0) if ranked else None
    return Optimisation(objective=objective, maximise=maximise, candidates=tried, best=best)


def heatmap(result: Optimisation, x: str, y: str) -> tuple[list[int | float | str], list[int | float | str],
                                                          list[list[float | None]]]:
    """(x values, y values, rows[y][x]): the best objective at each (x, y) over the other parameters;
    None where no run passed the constraint or defined the objective."""
    xs = _sorted({c.params[x] for c in result.candidates})
    ys = _sorted({c.params[y] for c in result.candidates})
    cells: dict[tuple[int | float | str, int | float | str], float] = {}
    pick = max if result.maximise else min
    for c in result.candidates:
        if c.value is None:
            continue
        key = (c.params[x], c.params[y])
        cells[key] = pick(cells[key], c.value) if key in cells else c.value
    return xs, ys, [[cells.get((vx, vy)) for vx in xs] for vy in ys]


def _sorted(values: set[int | float | str]) -> list[int | float | str]:
    """Numbers in numeric order, anything else as text."""
    if all(isinstance(v, int | float) for v in values):
        return sorted(values, key=float)
    return sorted(values, key=str)
