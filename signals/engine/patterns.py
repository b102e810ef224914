"""Candlestick patterns: boolean arrays, true at the bar that completes the pattern. No Django.

Body = |close - open|, range = high - low. Definitions (Nison):
  doji            body <= 10% of the range
  hammer          lower shadow >= 2 x body, upper shadow <= body, body > 0 (shooting star: mirrored)
  engulfing       the body engulfs the previous body of the opposite colour
  inside bar      high below and low above the previous bar's
  morning star    a long down candle, a small body (< 30% of it), then an up candle closing above
                  the first candle's body midpoint (evening star: mirrored)
"""

from __future__ import annotations

import numpy as np

from market.arrays import BoolArray, FloatArray


def _prev(values: FloatArray, k: int = 1) -> FloatArray:
    """The value `k` bars earlier along the last axis (NaN before it)."""
    out = np.full(values.shape, np.nan)
    out[..., k:] = values[..., :-k]
    return out


def candle_patterns(open_: FloatArray, high: FloatArray, low: FloatArray,
                    close: FloatArray) -> dict[str, BoolArray]:
    """Each pattern, per bar along the last axis (a 2-D array holds a row of bars per instrument).
    A bar reads itself and the two before it only."""
    body, span = np.abs(close - open_), high - low
    upper, lower = high - np.maximum(open_, close), np.minimum(open_, close) - low
    up, down = close > open_, close < open_
    prev_open, prev_close = _prev(open_), _prev(close)
    prev_up, prev_down = prev_close > prev_open, prev_close < prev_open
    with np.errstate(invalid="ignore"):
        patterns = {
            "doji": (span > 0) & (body <= 0.1 * span),
            "hammer": (body > 0) & (lower >= 2 * body) & (upper <= body),
            "shooting_star": (body > 0) & (upper >= 2 * body) & (lower <= body),
            "bullish_engulfing": up & prev_down & (open_ <= prev_close) & (close >= prev_open),
            "bearish_engulfing": down & prev_up & (open_ >= prev_close) & (close <= prev_open),
            "inside_bar": (high < _prev(high)) & (low > _prev(low)),
        }
        first_open, first_close = _prev(open_, 2), _prev(close, 2)
        first_body, middle_body = np.abs(first_close - first_open), np.abs(prev_close - prev_open)
        small_middle = middle_body < 0.3 * first_body
        midpoint = (first_open + first_close) / 2
        patterns["morning_star"] = (first_close < first_open) & small_middle & up & (close > midpoint)
        patterns["evening_star"] = (first_close > first_open) & small_middle & down & (close < midpoint)
    return patterns  # comparisons with NaN (before the first bars) are already False


BULLISH = ("hammer", "bullish_engulfing", "morning_star")
BEARISH = ("shooting_star", "bearish_engulfing", "evening_star")


def pattern_vote(patterns: dict[str, BoolArray]) -> FloatArray:
    """+1 where a bullish reversal pattern completes, -1 where a bearish one does, 0 otherwise."""
    bull, bear = (patterns[a] | patterns[b] | patterns[c] for a, b, c in (BULLISH, BEARISH))
    return bull.astype(np.float64) - bear.astype(np.float64)
