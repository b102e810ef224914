"""Seeded synthetic OHLCV for scale tests: trends, ranges, volatility regimes and gaps. No Django.

Always labelled synthetic (Instrument.is_synthetic) wherever it is shown.
"""

from __future__ import annotations

import numpy as np

from market.arrays import BarArrays


def synthetic_bars(*, count: int, seed: int, start_time: int = 1_577_836_800, step_seconds: int = 3600,
                   start_price: float = 100.0, gap_probability: float = 0.002) -> BarArrays:
    """`count` bars of a regime-switching random walk: drifts up, down or flat, calm or volatile.

    Occasional gaps skip a few periods in time and jump the price; every bar satisfies the
    validation rules (low <= open, close <= high, positive prices, non-negative volume).
    """
    rng = np.random.default_rng(seed)
    regime_length = rng.integers(50, 400, size=count // 50 + 2)
    regime_of_bar = np.repeat(np.arange(regime_length.size), regime_length)[:count]
    drift = rng.choice([-0.0006, 0.0, 0.0006], size=regime_length.size)[regime_of_bar]
    volatility = rng.choice([0.004, 0.008, 0.02], size=regime_length.size, p=[0.5, 0.35, 0.15])[regime_of_bar]
    returns = drift + volatility * rng.standard_normal(count)
    gaps = rng.random(count) < gap_probability
    returns[gaps] += rng.normal(0, 0.03, size=gaps.sum())
    close = start_price * np.exp(np.cumsum(returns))
    open_ = np.concatenate(([start_price], close[:-1])) * np.exp(np.where(gaps, rng.normal(0, 0.01, count), 0))
    wick = np.abs(rng.normal(0, volatility / 2)) * close
    high = np.maximum(open_, close) + wick
    low = np.maximum(np.minimum(open_, close) - np.abs(rng.normal(0, volatility / 2)) * close, close * 0.01)
    volume = rng.gamma(2.0, 500.0, count) * (1 + 5 * volatility)
    steps = np.where(gaps, rng.integers(2, 6, size=count), 1)
    time = start_time + np.cumsum(steps) * step_seconds
    return BarArrays(time.astype(np.int64), open_, high, low, close, volume)
