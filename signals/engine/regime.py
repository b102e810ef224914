"""Market regime and forex sessions. No Django.

Regime per bar, from data up to that bar:
  volatile        ATR is above the `volatile_percentile` of its last `lookback` values
  trending_up     otherwise, ADX >= `trend_adx` and the 50-bar SMA rose over the last 10 bars
  trending_down   the same with a falling SMA
  ranging         everything else
Forex sessions (local time, so daylight saving is right): Asia (Tokyo 09:00-18:00), London
(08:00-17:00), New York (08:00-17:00); a bar can be in two (the overlaps).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

REGIMES = ("trending_up", "trending_down", "ranging", "volatile")
SESSIONS = {"asia": ("Asia/Tokyo", 9, 18), "london": ("Europe/London", 8, 17), "new_york": ("America/New_York", 8, 17)}


def atr_percentile(atr: np.ndarray, lookback: int = 100) -> np.ndarray:
    """The share of the previous `lookback - 1` ATRs strictly below each ATR, 0..1 (NaN until there
    are enough). A constant ATR ranks 0: ties do not count as lower. Along the last axis, so a 2-D
    array ranks each row's bars."""
    out = np.full(atr.shape, np.nan)
    if atr.shape[-1] >= lookback:
        windows = sliding_window_view(atr, lookback, axis=-1)
        out[..., lookback - 1:] = (windows[..., :-1] < windows[..., -1:]).mean(axis=-1)
    out[np.isnan(atr)] = np.nan
    return out


def regimes(close: np.ndarray, adx: np.ndarray, atr: np.ndarray, sma50: np.ndarray, *, trend_adx: float = 25.0,
            volatile_percentile: float = 0.9, lookback: int = 100) -> np.ndarray:
    """The regime name of each bar (object array), along the last axis."""
    slope = np.full(close.shape, np.nan)
    slope[..., 10:] = sma50[..., 10:] - sma50[..., :-10]
    out = np.full(close.shape, "ranging", dtype=object)
    with np.errstate(invalid="ignore"):
        trending = adx >= trend_adx
        out[trending & (slope > 0)] = "trending_up"
        out[trending & (slope < 0)] = "trending_down"
        out[atr_percentile(atr, lookback) > volatile_percentile] = "volatile"
    return out


def regime_at_last(close: np.ndarray, adx: np.ndarray, atr: np.ndarray, sma50: np.ndarray, *,
                   lookback: int = 100) -> str:
    """The regime of the newest bar: `regimes` on just the bars it depends on (the ATR percentile's
    window and the SMA slope), so the live path does not rank every bar's ATR."""
    tail = -max(lookback, 11)
    return str(regimes(close[tail:], adx[tail:], atr[tail:], sma50[tail:], lookback=lookback)[-1])


def regimes_at_last(histories: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], *,
                    lookback: int = 100) -> list[str]:
    """`regime_at_last` of many histories, each given as (close, adx, atr, sma50): the tails of one
    length are stacked and ranked as one 2-D batch."""
    tail = max(lookback, 11)
    by_length: dict[int, list[int]] = {}
    for index, (close, *_) in enumerate(histories):
        by_length.setdefault(min(len(close), tail), []).append(index)
    out = [""] * len(histories)
    for indexes in by_length.values():
        close, adx, atr, sma50 = (np.vstack([histories[i][k][-tail:] for i in indexes]) for k in range(4))
        for i, regime in zip(indexes, regimes(close, adx, atr, sma50, lookback=lookback)[:, -1], strict=True):
            out[i] = str(regime)
    return out


def forex_sessions(times: np.ndarray) -> dict[str, np.ndarray]:
    """For each session, whether each bar (open time, epoch s) falls inside it."""
    index = pd.to_datetime(np.asarray(times, dtype=np.int64), unit="s", utc=True)
    result = {}
    for name, (zone, start, end) in SESSIONS.items():
        local = index.tz_convert(ZoneInfo(zone))
        result[name] = np.asarray((local.hour >= start) & (local.hour < end) & (local.day_of_week < 5))
    return result
