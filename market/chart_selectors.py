"""Reads of an instrument's chart: its closed bars and the indicator overlays, computed by the
engine's own pure indicator functions (signals.engine.indicators), the ones its signals are made of.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from market.arrays import BarArrays, FloatArray
from market.models import Bar, Instrument
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.engine import indicators

CHART_BARS = 500
# Overlay name -> what the member ticks.
OVERLAYS = {"ema": "EMA 20 / 50", "bollinger": "Bollinger (20, 2)", "vwap": "VWAP"}


def instrument_timeframes(*, instrument: Instrument) -> list[str]:
    """The timeframes with stored bars of the instrument, shortest first."""
    stored = set(Bar.objects.filter(instrument=instrument).values_list("timeframe", flat=True).distinct().order_by())
    return [tf.value for tf in Timeframe if tf.value in stored]


def timeframe_chosen(timeframes: list[str], *, asked: str | None) -> str | None:
    """The timeframe asked for if it has bars, else D1 if it has, else the longest that has; None without bars."""
    if asked in timeframes:
        return asked
    if "D1" in timeframes:
        return "D1"
    return timeframes[-1] if timeframes else None


def chart_bars(*, instrument: Instrument, timeframe: str, now: datetime, count: int = CHART_BARS) -> BarArrays | None:
    """The newest `count` closed bars (open time plus the timeframe at or before `now`); None without bars."""
    until = now - timedelta(seconds=Timeframe(timeframe).seconds)
    return bars_latest_arrays(instrument_ids=[instrument.pk], timeframe=timeframe, count=count,
                              until=until).get(instrument.pk)


def vwap_sessions(time: np.ndarray, timeframe: str) -> np.ndarray:
    """The session each bar's VWAP accumulates over: the UTC day below daily bars, the month for daily
    bars, the year above (a daily bar's VWAP over its own day would be its typical price)."""
    seconds = Timeframe(timeframe).seconds
    days = time // 86400
    if seconds < 86400:
        return days
    moments = [datetime.fromtimestamp(int(t), tz=UTC) for t in time]
    if seconds == 86400:
        return np.array([m.year * 12 + m.month for m in moments])
    return np.array([m.year for m in moments])


def overlay_lines(bars: BarArrays, *, timeframe: str, names: list[str]) -> list[dict]:
    """The overlays `names` (keys of OVERLAYS) as lines {name, key, points: [[time, value or None]]}."""
    lines: list[dict] = []
    if "ema" in names:
        lines += [_line("EMA 20", "ema20", bars, indicators.ema(bars.close, 20)),
                  _line("EMA 50", "ema50", bars, indicators.ema(bars.close, 50))]
    if "bollinger" in names:
        upper, middle, lower = indicators.bollinger(bars.close, 20, 2.0)
        lines += [_line("BB upper", "bb", bars, upper), _line("BB mid", "bbmid", bars, middle),
                  _line("BB lower", "bb", bars, lower)]
    if "vwap" in names:
        lines.append(_line("VWAP", "vwap", bars, indicators.vwap(bars.high, bars.low, bars.close, bars.volume,
                                                                  vwap_sessions(bars.time, timeframe))))
    return lines


def _line(name: str, key: str, bars: BarArrays, values: FloatArray) -> dict:
    return {"name": name, "key": key,
            "points": [[int(t), float(v) if np.isfinite(v) else None] for t, v in zip(bars.time, values, strict=True)]}


def candle_rows(bars: BarArrays) -> list[list[float]]:
    """[time, open, high, low, close] per bar, oldest first: what the chart module draws."""
    return [[int(t), float(o), float(h), float(lo), float(c)]
            for t, o, h, lo, c in zip(bars.time, bars.open, bars.high, bars.low, bars.close, strict=True)]
