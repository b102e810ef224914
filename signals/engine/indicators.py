"""Technical indicators over float64 numpy arrays, oldest first. No Django.

Fast path: TA-Lib (C) where it has the indicator, vectorised numpy where it does not. Values
inside an indicator's warm-up are NaN; after it they are always finite. Definitions:
- EMA: alpha = 2 / (n + 1), seeded with the SMA of the first n values (TA-Lib's and the usual
  textbook seed; `ta` seeds with the first value, which converges to the same numbers).
- RSI, ATR, ADX/+DI/-DI: Wilder's smoothing (alpha = 1 / n) seeded with the plain average of the
  first n values, as Wilder defined them.
- Bollinger Bands: SMA +/- k population standard deviations (ddof 0), as Bollinger defines them.
- Stochastic %K / Williams %R over a zero high-low range are 50 / -50 (the close is not above or
  below anything); `ta` divides by zero there.
- OBV: adds the volume on an up close, subtracts it on a down close and leaves it unchanged on an
  unchanged close (Granville's definition; `ta` adds the volume on an unchanged close). It starts
  at 0 on the first bar.
- VWAP: anchored at each session start, typical price (H + L + C) / 3 weighted by volume; before
  any volume in a session it is the typical price.
- Volume z-score: (volume - mean) / population std over n bars; 0 when the std is 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt
import talib as _talib
from numpy.lib.stride_tricks import sliding_window_view

from market.arrays import FloatArray

F64 = np.float64

_Function = TypeVar("_Function", bound=Callable[..., object])


def _unwrapped(function: _Function) -> _Function:
    """TA-Lib's C function without the wrapper that inspects every argument for pandas and polars
    series (about 5 us a call, and the engine makes some thirty calls per instrument)."""
    c_function: _Function = getattr(function, "__wrapped__", function)
    return c_function


class _TaLib:
    """The TA-Lib functions the engine calls, unwrapped, with the signatures of TA-Lib's own stubs."""

    SMA = staticmethod(_unwrapped(_talib.SMA))
    EMA = staticmethod(_unwrapped(_talib.EMA))
    WMA = staticmethod(_unwrapped(_talib.WMA))
    RSI = staticmethod(_unwrapped(_talib.RSI))
    MAX = staticmethod(_unwrapped(_talib.MAX))
    MIN = staticmethod(_unwrapped(_talib.MIN))
    STDDEV = staticmethod(_unwrapped(_talib.STDDEV))
    ATR = staticmethod(_unwrapped(_talib.ATR))
    ADX = staticmethod(_unwrapped(_talib.ADX))
    PLUS_DI = staticmethod(_unwrapped(_talib.PLUS_DI))
    MINUS_DI = staticmethod(_unwrapped(_talib.MINUS_DI))
    MIDPRICE = staticmethod(_unwrapped(_talib.MIDPRICE))


talib = _TaLib()


def _f(values: npt.ArrayLike) -> FloatArray:
    return np.ascontiguousarray(values, dtype=F64)


def sma(close: npt.ArrayLike, period: int) -> FloatArray:
    return talib.SMA(_f(close), timeperiod=period)


def ema(close: npt.ArrayLike, period: int) -> FloatArray:
    """SMA-seeded exponential moving average."""
    return talib.EMA(_f(close), timeperiod=period)


def wma(close: npt.ArrayLike, period: int) -> FloatArray:
    """Linearly weighted moving average (weights 1..n, newest heaviest)."""
    return talib.WMA(_f(close), timeperiod=period)


def rsi(close: npt.ArrayLike, period: int = 14) -> FloatArray:
    return talib.RSI(_f(close), timeperiod=period)


def macd(close: npt.ArrayLike, fast: int = 12, slow: int = 26,
         signal: int = 9) -> tuple[FloatArray, FloatArray, FloatArray]:
    """MACD line (EMA fast - EMA slow), its signal line (EMA of the line) and the histogram."""
    line = ema(close, fast) - ema(close, slow)
    valid = ~np.isnan(line)
    signal_line = np.full_like(line, np.nan)
    if np.count_nonzero(valid) >= signal:
        signal_line[valid] = ema(line[valid], signal)
    return line, signal_line, line - signal_line


Reduction = Literal["max", "min", "mean", "std"]

# Rolling reductions in C (TA-Lib; STDDEV is the population standard deviation), and over numpy
# windows for series with NaNs (TA-Lib stops at them; numpy windows carry them).
_ROLLING_C: dict[Reduction, Callable[[FloatArray, int], FloatArray]] = {
    "max": lambda values, period: talib.MAX(values, timeperiod=period),
    "min": lambda values, period: talib.MIN(values, timeperiod=period),
    "mean": lambda values, period: talib.SMA(values, timeperiod=period),
    "std": lambda values, period: talib.STDDEV(values, timeperiod=period, nbdev=1),
}
_ROLLING_WINDOWS: dict[Reduction, Callable[..., FloatArray]] = {"max": np.max, "min": np.min, "mean": np.mean,
                                                                "std": np.std}


def _rolling(values: npt.ArrayLike, period: int, reduce: Reduction) -> FloatArray:
    """`reduce` (max, min, mean or population std) over the last `period` values; NaN before."""
    values = _f(values)
    if len(values) < period:
        return np.full(values.shape, np.nan)
    if np.isnan(values).any():
        out = np.full(values.shape, np.nan)
        out[period - 1:] = _ROLLING_WINDOWS[reduce](sliding_window_view(values, period), axis=-1)
        return out
    return _ROLLING_C[reduce](values, period)


def stochastic(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14,
               smooth: int = 3) -> tuple[FloatArray, FloatArray]:
    """Fast %K over `period` bars and %D, its `smooth`-bar SMA. A zero range gives 50."""
    high, low, close = _f(high), _f(low), _f(close)
    highest, lowest = _rolling(high, period, "max"), _rolling(low, period, "min")
    span = highest - lowest
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(span > 0, 100 * (close - lowest) / span, 50.0)
    k[np.isnan(span)] = np.nan
    d = np.full(k.shape, np.nan)
    if len(k) >= period - 1 + smooth:  # %K is finite from bar period - 1 on
        d[period - 1:] = talib.SMA(k[period - 1:], timeperiod=smooth)
    return k, d


def williams_r(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14) -> FloatArray:
    """-100 x (highest high - close) / range over `period` bars. A zero range gives -50."""
    k, _ = stochastic(high, low, close, period, 1)
    return k - 100.0


def bollinger(close: npt.ArrayLike, period: int = 20,
              k: float = 2.0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(upper, middle, lower): SMA +/- k population standard deviations."""
    close = _f(close)
    middle = sma(close, period)
    std = _rolling(close, period, "std")
    return middle + k * std, middle, middle - k * std


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14) -> FloatArray:
    return talib.ATR(_f(high), _f(low), _f(close), timeperiod=period)


def adx(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike,
        period: int = 14) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(ADX, +DI, -DI) with Wilder's smoothing."""
    high, low, close = _f(high), _f(low), _f(close)
    return (talib.ADX(high, low, close, timeperiod=period), talib.PLUS_DI(high, low, close, timeperiod=period),
            talib.MINUS_DI(high, low, close, timeperiod=period))


def obv(close: npt.ArrayLike, volume: npt.ArrayLike) -> FloatArray:
    """On-balance volume, 0 on the first bar; an unchanged close adds nothing."""
    close, volume = _f(close), _f(volume)
    direction = np.sign(np.diff(close, prepend=close[:1]))
    return np.cumsum(direction * volume)


def vwap(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, volume: npt.ArrayLike,
         session_id: npt.ArrayLike) -> FloatArray:
    """Volume-weighted average typical price, restarting whenever `session_id` changes."""
    typical = (_f(high) + _f(low) + _f(close)) / 3.0
    volume = _f(volume)
    session_id = np.asarray(session_id)
    starts = np.flatnonzero(session_id[1:] != session_id[:-1]) + 1  # of every session but the first
    base = np.zeros(len(typical), dtype=np.intp)  # each bar's session start
    base[starts] = starts
    np.maximum.accumulate(base, out=base)
    pv, vol = np.cumsum(typical * volume), np.cumsum(volume)
    # Less the sums before the session (0 in the first one).
    session_pv = pv - np.concatenate(([0.0], pv))[base]
    session_vol = vol - np.concatenate(([0.0], vol))[base]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(session_vol > 0, session_pv / session_vol, typical)


def volume_zscore(volume: npt.ArrayLike, period: int = 20) -> FloatArray:
    volume = _f(volume)
    mean, std = _rolling(volume, period, "mean"), _rolling(volume, period, "std")
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(std > 0, (volume - mean) / std, 0.0)
    z[np.isnan(mean)] = np.nan
    return z


def supertrend(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 10,
               multiplier: float = 3.0) -> tuple[FloatArray, FloatArray]:
    """(line, direction): the standard Supertrend on Wilder's ATR; direction +1 up, -1 down, 0 unknown.

    Bands are (H + L) / 2 +/- multiplier x ATR; the final upper band only falls (and the lower only
    rises) while price stays inside it, and the trend flips when the close crosses the band. No side
    is assumed before the close first crosses a band: until then the direction is 0 and there is no
    line (starting up, as many implementations do, makes a young history vote up; starting down, the
    other way). While the side is unknown, a close beyond both bands at once (possible only once they
    have crossed) decides nothing.

    One instrument (1-D arrays) runs a loop over plain floats; many instruments of one length
    (2-D arrays, a row each) run the same recursion once per bar over all of them at once.
    """
    high, low, close = _f(high), _f(low), _f(close)
    if close.ndim == 2:
        return _supertrend_rows(high, low, close, period, multiplier)
    average = atr(high, low, close, period)
    mid = (high + low) / 2
    upper, lower = mid + multiplier * average, mid - multiplier * average
    line = np.full(close.shape, np.nan)
    direction = np.zeros(close.shape)
    start = _first_finite(average)
    if start >= len(close):
        return line, direction
    final_upper, final_lower, trend, previous = math.inf, -math.inf, 0.0, math.nan
    lines, trends = [], []
    for up, down, price in zip(upper[start:].tolist(), lower[start:].tolist(), close[start:].tolist(), strict=True):
        if up < final_upper or previous > final_upper:
            final_upper = up
        if down > final_lower or previous < final_lower:
            final_lower = down
        above, below = price > final_upper, price < final_lower
        if trend > 0:
            if below:
                trend = -1.0
        elif trend < 0:
            if above:
                trend = 1.0
        elif above != below:
            trend = 1.0 if above else -1.0
        trends.append(trend)
        lines.append(final_lower if trend > 0 else final_upper if trend < 0 else math.nan)
        previous = price
    line[start:], direction[start:] = lines, trends
    return line, direction


def _first_finite(values: FloatArray) -> int:
    finite = ~np.isnan(values)
    return int(np.argmax(finite)) if finite.any() else len(values)


def _supertrend_rows(high: FloatArray, low: FloatArray, close: FloatArray, period: int,
                     multiplier: float) -> tuple[FloatArray, FloatArray]:
    trends, finals_upper, finals_lower, start = _supertrend_bars(high, low, close, period, multiplier)
    line = np.full(close.shape, np.nan)
    direction = np.zeros(close.shape)
    direction[:, start:] = trends.T
    line[:, start:] = np.where(trends > 0, finals_lower, np.where(trends < 0, finals_upper, np.nan)).T
    return line, direction


def supertrend_directions(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 10,
                          multiplier: float = 3.0) -> FloatArray:
    """`supertrend`'s direction alone for many instruments of one length (2-D arrays, a row each)."""
    trends, _, _, start = _supertrend_bars(_f(high), _f(low), _f(close), period, multiplier)
    direction = np.zeros(np.shape(close))
    direction[:, start:] = trends.T
    return direction


def _supertrend_bars(high: FloatArray, low: FloatArray, close: FloatArray, period: int,
                     multiplier: float) -> tuple[FloatArray, FloatArray, FloatArray, int]:
    """The Supertrend recursion over rows of one length: (direction, final upper band, final lower band),
    each bar-major (a row per bar from `start`, the first bar with an ATR), and `start`."""
    band = np.vstack([atr(h, lo, c, period) for h, lo, c in zip(high, low, close, strict=True)])
    start = _first_finite(band[0])  # rows of one length and no gaps share the ATR warm-up
    band *= multiplier
    mid = high + low
    mid /= 2
    # Bar by bar over all rows at once, on bar-major copies (a bar's values contiguous in memory).
    uppers = np.ascontiguousarray((mid + band)[:, start:].T)
    lowers = np.ascontiguousarray(np.subtract(mid, band, out=mid)[:, start:].T)
    closes = np.ascontiguousarray(close[:, start:].T)
    rows = close.shape[0]
    final_upper, final_lower = np.full(rows, np.inf), np.full(rows, -np.inf)
    trend, previous, sided = np.zeros(rows), np.full(rows, np.nan), False
    trends, finals_upper, finals_lower = np.empty_like(closes), np.empty_like(closes), np.empty_like(closes)
    for i, (up, down, price) in enumerate(zip(uppers, lowers, closes, strict=True)):
        final_upper = np.where((up < final_upper) | (previous > final_upper), up, final_upper)
        final_lower = np.where((down > final_lower) | (previous < final_lower), down, final_lower)
        above, below = price > final_upper, price < final_lower
        if sided:  # every row has a side, which only flips from now on
            trend = np.where(np.where(trend > 0, below, above), -trend, trend)
        else:
            first_side = above.astype(float) - below  # +1 / -1 when only one band is crossed, else 0
            trend = np.where(trend > 0, np.where(below, -1.0, 1.0), np.where(trend < 0, np.where(above, 1.0, -1.0),
                                                                            first_side))
            sided = bool(trend.all())
        trends[i], finals_upper[i], finals_lower[i] = trend, final_upper, final_lower
        previous = price
    return trends, finals_upper, finals_lower, start


def ichimoku(high: npt.ArrayLike, low: npt.ArrayLike, tenkan: int = 9, kijun: int = 26,
             senkou_b: int = 52) -> dict[str, FloatArray]:
    """Tenkan, kijun and the two cloud spans, each aligned to the bar whose data formed it.

    Span A = (tenkan + kijun) / 2 and span B = the 52-bar midpoint are drawn 26 bars ahead on a chart;
    here row i holds the values computed from bars up to i (shift them forward to plot them). The
    lagging span is left out: it needs future bars.
    """
    high, low = _f(high), _f(low)

    def midpoint(period: int) -> FloatArray:  # (highest high + lowest low) / 2 over `period` bars
        if len(high) < period:
            return np.full(high.shape, np.nan)
        return talib.MIDPRICE(high, low, timeperiod=period)

    conversion, base = midpoint(tenkan), midpoint(kijun)
    return {"tenkan": conversion, "kijun": base, "span_a": (conversion + base) / 2, "span_b": midpoint(senkou_b)}


# A price, or a series of them computed element by element.
_Price = TypeVar("_Price", float, FloatArray)


def floor_pivots(prev_high: _Price, prev_low: _Price, prev_close: _Price) -> dict[str, _Price]:
    """Classic floor-trader pivots from the previous period's high, low and close (floats, or arrays
    of them element by element)."""
    pivot = (prev_high + prev_low + prev_close) / 3
    span = prev_high - prev_low
    return {"pivot": pivot, "r1": 2 * pivot - prev_low, "s1": 2 * pivot - prev_high, "r2": pivot + span,
            "s2": pivot - span, "r3": prev_high + 2 * (pivot - prev_low), "s3": prev_low - 2 * (prev_high - pivot)}


FIBONACCI_RATIOS = (0.236, 0.382, 0.5, 0.618, 0.786)


def fibonacci_retracements(swing_from: float, swing_to: float) -> dict[float, float]:
    """Retracement levels of a swing from `swing_from` to `swing_to` (up or down)."""
    move = swing_to - swing_from
    return {ratio: swing_to - ratio * move for ratio in FIBONACCI_RATIOS}
