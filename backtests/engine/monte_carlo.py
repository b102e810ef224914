"""Monte Carlo of a backtest: trade-order bootstrap and return resampling, seeded. No Django.

- `trades_resampled`: the trades' returns (fractions of equity per trade, compounding) drawn again,
  either in another order (`method="shuffle"`: the same trades, so the final equity is the same and
  only the path and its drawdowns change) or with replacement (`"bootstrap"`).
- `returns_resampled`: the per-bar equity returns drawn with replacement in blocks of `block` bars
  (block > 1 keeps some of their autocorrelation).
Each gives the equity paths' percentile cone per step, the distribution of their maximum drawdown,
the distribution of their final return, and the risk of ruin: the share of paths whose equity ever
falls `ruin_drawdown` (a fraction) below the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from market.arrays import FloatArray

PERCENTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True)
class MonteCarlo:
    runs: int
    percentiles: tuple[int, ...]
    cone: FloatArray  # [len(percentiles), steps + 1]: equity percentiles at each step, starting equity first
    max_drawdown_pct: FloatArray  # [runs], each path's deepest drawdown in % (>= 0)
    final_return_pct: FloatArray  # [runs]
    risk_of_ruin: float  # fraction of paths that fell `ruin_drawdown` below the start
    ruin_drawdown: float


def trades_resampled(returns: FloatArray, *, runs: int = 1000, seed: int, start_equity: float = 1.0,
                     method: Literal["shuffle", "bootstrap"] = "shuffle", ruin_drawdown: float = 0.5) -> MonteCarlo:
    """Paths of the trades' returns reordered (or drawn with replacement)."""
    returns = np.asarray(returns, dtype=np.float64)
    if len(returns) == 0:
        raise ValueError("no trades to resample")
    rng = np.random.default_rng(seed)
    if method == "shuffle":
        draws = rng.permuted(np.tile(returns, (runs, 1)), axis=1)
    else:
        draws = returns[rng.integers(0, len(returns), size=(runs, len(returns)))]
    return _summary(draws, start_equity, ruin_drawdown)


def returns_resampled(equity: FloatArray, *, runs: int = 1000, seed: int, block: int = 1,
                      ruin_drawdown: float = 0.5) -> MonteCarlo:
    """Paths of the per-bar equity returns drawn with replacement in blocks of `block` bars."""
    equity = np.asarray(equity, dtype=np.float64)
    returns = equity[1:] / equity[:-1] - 1
    steps = len(returns)
    if steps < block or block < 1:
        raise ValueError("need at least one block of returns")
    rng = np.random.default_rng(seed)
    blocks = -(-steps // block)
    starts = rng.integers(0, steps - block + 1, size=(runs, blocks))
    index = (starts[:, :, None] + np.arange(block)).reshape(runs, -1)[:, :steps]
    return _summary(returns[index], float(equity[0]), ruin_drawdown)


def _summary(draws: FloatArray, start: float, ruin_drawdown: float) -> MonteCarlo:
    runs = draws.shape[0]
    paths = start * np.cumprod(np.column_stack([np.ones(runs), 1 + draws]), axis=1)
    peaks = np.maximum.accumulate(paths, axis=1)
    drawdown = 1 - paths / peaks
    ruined = (paths <= start * (1 - ruin_drawdown)).any(axis=1)
    final = np.asarray((paths[:, -1] / start - 1) * 100, dtype=np.float64)
    return MonteCarlo(runs=runs, percentiles=PERCENTILES, cone=np.percentile(paths, PERCENTILES, axis=0),
                      max_drawdown_pct=drawdown.max(axis=1) * 100, final_return_pct=final,
                      risk_of_ruin=float(ruined.mean()), ruin_drawdown=ruin_drawdown)
