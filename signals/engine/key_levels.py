"""Reference price levels: floor pivots of the previous session, support and resistance from
clustered swings, and Fibonacci retracements of the last swing leg. No Django; no look-ahead
(only swings already confirmed by the newest bar count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
import numpy.typing as npt

from market.arrays import FloatArray
from signals.engine.indicators import fibonacci_retracements, floor_pivots
from signals.engine.structure import swing_points


def previous_session_pivots(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike,
                            session_id: npt.ArrayLike) -> dict[str, FloatArray]:
    """Per bar, the classic floor pivots of the session before its own (NaN in the first session).

    A session's high and low are the extremes of its bars and its close the close of its last bar.
    """
    high, low, close = (np.asarray(x, dtype=np.float64) for x in (high, low, close))
    session_id = np.asarray(session_id)
    n = len(close)
    if n == 0:
        return floor_pivots(high, low, close)
    starts = np.flatnonzero(np.concatenate(([True], session_id[1:] != session_id[:-1])))
    ends = np.append(starts[1:], n)
    session_high, session_low = np.maximum.reduceat(high, starts), np.minimum.reduceat(low, starts)
    session_close = close[ends - 1]
    previous = np.repeat(np.arange(len(starts)), ends - starts) - 1
    known = previous >= 0
    prev_high, prev_low, prev_close = (np.where(known, values[np.maximum(previous, 0)], np.nan)
                                       for values in (session_high, session_low, session_close))
    return floor_pivots(prev_high, prev_low, prev_close)


@dataclass(frozen=True, slots=True)
class Level:
    price: float
    touches: int  # how many confirmed swings formed it


def key_levels(high: npt.ArrayLike, low: npt.ArrayLike, atr: float, *, lookback: int = 250,
               tolerance_atr: float = 0.5, left: int = 2, right: int = 2) -> list[Level]:
    """Every support and resistance level of the newest bar, lowest first ([] without a usable ATR).

    The swing highs and lows confirmed within the last `lookback` bars are pooled (an old high below
    the price now supports it) and clustered: going up the sorted prices, a level takes every price
    within `tolerance_atr` x ATR of its lowest one (so a level never spreads wider than that); its
    price is their mean and its touches their count.
    """
    high, low = np.asarray(high, dtype=np.float64), np.asarray(low, dtype=np.float64)
    if not (np.isfinite(atr) and atr > 0):
        return []
    is_high, is_low = swing_points(high, low, left, right)
    recent = slice(max(len(high) - lookback, 0), None)
    prices = np.sort(np.concatenate((high[recent][is_high[recent]], low[recent][is_low[recent]])))
    if prices.size == 0:
        return []
    cluster = _clusters(prices.tolist(), tolerance_atr * atr)
    touches = np.bincount(cluster)
    means = np.bincount(cluster, weights=prices) / touches
    return [Level(price, count) for price, count in zip(means.tolist(), touches.tolist(), strict=True)]


class Clustering(TypedDict, total=False):
    """The keyword arguments of `key_levels` that say how swings are pooled and clustered."""

    lookback: int
    tolerance_atr: float
    left: int
    right: int


def support_resistance(high: npt.ArrayLike, low: npt.ArrayLike, close: float, atr: float,
                       **clustering: Unpack[Clustering]) -> tuple[Level | None, Level | None]:
    """(nearest support below the close, nearest resistance above it), either None when none exists;
    the levels are `key_levels(high, low, atr, **clustering)`."""
    if not np.isfinite(close):
        return None, None
    return nearest_levels(key_levels(high, low, atr, **clustering), close)


def nearest_levels(levels: list[Level], price: float) -> tuple[Level | None, Level | None]:
    """(the nearest of `levels` below `price`, the nearest above it), either None when none exists."""
    below = [level for level in levels if level.price < price]
    above = [level for level in levels if level.price > price]
    return (max(below, key=lambda level: level.price) if below else None,
            min(above, key=lambda level: level.price) if above else None)


def _clusters(sorted_prices: list[float], width: float) -> npt.NDArray[np.intp]:
    """The cluster number of each sorted price: a new cluster opens more than `width` above the last opening."""
    numbers, opened, current = [], None, -1
    for price in sorted_prices:
        if opened is None or price - opened > width:
            opened, current = price, current + 1
        numbers.append(current)
    return np.array(numbers)


def last_swing_retracements(high: npt.ArrayLike, low: npt.ArrayLike, *, left: int = 2,
                            right: int = 2) -> dict[float, float] | None:
    """Fibonacci retracements of the newest leg between the latest confirmed swing high and swing
    low: a leg up (low, then high) retraces down from the high, a leg down retraces up from the low.
    None until both swings exist."""
    high, low = np.asarray(high, dtype=np.float64), np.asarray(low, dtype=np.float64)
    is_high, is_low = swing_points(high, low, left, right)
    highs, lows = np.flatnonzero(is_high), np.flatnonzero(is_low)
    if highs.size == 0 or lows.size == 0:
        return None
    newest_high, newest_low = highs[-1], lows[-1]
    if newest_high > newest_low:
        return fibonacci_retracements(float(low[newest_low]), float(high[newest_high]))
    return fibonacci_retracements(float(high[newest_high]), float(low[newest_low]))
