"""Market structure over OHLC arrays. No Django; no look-ahead.

A swing high at bar i has the highest high of bars i-left .. i+right, so it is only KNOWN at bar
i+right: every array here holds at row t what was known when bar t closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from market.arrays import BoolArray, FloatArray, IntArray
from signals.engine.indicators import talib


def swing_points(high: npt.ArrayLike, low: npt.ArrayLike, left: int = 2,
                 right: int = 2) -> tuple[BoolArray, BoolArray]:
    """Boolean arrays marking swing highs and lows at the bar where they occurred (known `right` bars later)."""
    if left < 1 or right < 0:
        raise ValueError("a swing needs at least one bar on its left and none or more on its right")
    high, low = np.asarray(high, dtype=np.float64), np.asarray(low, dtype=np.float64)
    n, width = len(high), left + right + 1
    is_high, is_low = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if n >= width:
        centre = slice(left, n - right)
        # Window extremes in C: the window around bar i ends at bar i + right.
        window_max, window_min = talib.MAX(high, width)[width - 1:], talib.MIN(low, width)[width - 1:]
        left_max, left_min = talib.MAX(high, left)[left - 1:n - right - 1], talib.MIN(low, left)[left - 1:n - right - 1]
        is_high[centre] = (high[centre] == window_max) & (high[centre] > left_max)
        is_low[centre] = (low[centre] == window_min) & (low[centre] < left_min)
    return is_high, is_low


def last_known_swings(high: FloatArray, low: FloatArray, left: int = 2,
                      right: int = 2) -> tuple[FloatArray, FloatArray]:
    """At each bar, the price of the newest swing high and swing low already confirmed (NaN before any)."""
    is_high, is_low = swing_points(high, low, left, right)
    return (np.concatenate(([np.nan], high[is_high]))[_known_counts(is_high, right)],
            np.concatenate(([np.nan], low[is_low]))[_known_counts(is_low, right)])


def _known_counts(swings: BoolArray, right: int) -> npt.NDArray[np.intp]:
    """At each bar, how many of `swings` are confirmed by then (each `right` bars after it)."""
    where = swings.nonzero()[0]
    counts = np.zeros(len(swings), dtype=np.intp)
    counts[where + right] = np.arange(1, where.size + 1)
    return np.maximum.accumulate(counts, out=counts)


@dataclass(frozen=True)
class StructureEvents:
    """Per bar: +1 bullish / -1 bearish break of structure, +2 / -2 change of character, else 0; and
    the structural trend after the bar (+1 up, -1 down, 0 unknown)."""

    event: npt.NDArray[np.int8]
    trend: npt.NDArray[np.int8]
    swing_high: FloatArray  # the newest confirmed swing high known at each bar (NaN before any)
    swing_low: FloatArray


def structure_events(high: FloatArray, low: FloatArray, close: npt.ArrayLike, left: int = 2,
                     right: int = 2) -> StructureEvents:
    """A close beyond the newest confirmed swing breaks structure: with the trend it is a break of
    structure (BOS), against it a change of character (CHoCH).

    Each swing level breaks once: the first close beyond it, while it is still the newest swing of its
    side, is the break. Highs and lows are read alike, so a market turned upside down gets the
    opposite events. One close never breaks both: the bars confirming a swing close on its side of it,
    and a level stays unbroken only while every close since does too, so an unbroken high always lies
    at or above an unbroken low.
    Vectorised: no Python loop over bars.
    """
    is_high, is_low = swing_points(high, low, left, right)
    close = np.asarray(close, dtype=np.float64)
    swing_high, breaks_high = _level_breaks(high, is_high, right, close, above=True)
    swing_low, breaks_low = _level_breaks(low, is_low, right, close, above=False)
    side = breaks_high.astype(np.int8) - breaks_low.astype(np.int8)  # +1 / -1 / 0 per bar
    trend = side[_newest_nonzero_index(side)]
    before = np.zeros_like(trend)
    before[1:] = trend[:-1]
    against = side * before < 0  # a break against the trend before it: a change of character (2)
    event = (side * (1 + against)).astype(np.int8)
    return StructureEvents(event=event, trend=trend, swing_high=swing_high, swing_low=swing_low)


def _level_breaks(prices: FloatArray, swings: BoolArray, right: int, close: FloatArray, *,
                  above: bool) -> tuple[FloatArray, BoolArray]:
    """(at each bar the price of the newest of `swings` confirmed by then, NaN before any; True at the
    first close beyond each level, above it or below). Consecutive swings at one price are one level."""
    swing_prices = prices[swings]
    known = _known_counts(swings, right)
    level = np.concatenate(([np.nan], swing_prices))[known]
    with np.errstate(invalid="ignore"):  # NaN compares False: an unknown level never breaks
        crossed = close > level if above else close < level
    first = np.zeros(len(level), dtype=bool)
    at = crossed.nonzero()[0]
    if at.size:
        run = np.cumsum(np.concatenate(([True], swing_prices[1:] != swing_prices[:-1])))  # each swing's level
        run_at = run[known[at] - 1]
        first[at[np.concatenate(([True], run_at[1:] != run_at[:-1]))]] = True
    return level, first


def _newest_nonzero_index(values: npt.NDArray[np.int8]) -> IntArray:
    """At each bar, the index of the newest non-zero value so far (0 before any: values[0] then is 0 or it)."""
    return np.maximum.accumulate(np.where(values != 0, np.arange(len(values)), 0))


def fair_value_gaps(high: FloatArray, low: FloatArray) -> npt.NDArray[np.int8]:
    """+1 where bar t leaves a bullish gap (its low above the high of bar t-2), -1 bearish, else 0."""
    gaps = np.zeros(len(high), dtype=np.int8)
    if len(high) >= 3:
        gaps[2:][low[2:] > high[:-2]] = 1
        gaps[2:][high[2:] < low[:-2]] = -1
    return gaps


def order_blocks(open_: FloatArray, close: FloatArray, events: StructureEvents) -> tuple[IntArray, IntArray]:
    """At each bar, the index of the newest bullish and bearish order block known (-1 for none).

    A bullish order block is the last down candle before a bullish break (BOS or CHoCH); a bearish
    one is the last up candle before a bearish break.
    """
    bullish, bearish = np.full(len(close), -1), np.full(len(close), -1)
    last_down = last_up = -1
    current_bull = current_bear = -1
    for t in range(len(close)):
        if events.event[t] > 0 and last_down >= 0:
            current_bull = last_down
        elif events.event[t] < 0 and last_up >= 0:
            current_bear = last_up
        if close[t] < open_[t]:
            last_down = t
        elif close[t] > open_[t]:
            last_up = t
        bullish[t], bearish[t] = current_bull, current_bear
    return bullish, bearish
