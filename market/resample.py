"""Resampling bars from a lower timeframe to a higher one. No Django.

OHLCV rules: open of the first bar, highest high, lowest low, close of the last bar, sum of
volume. Buckets follow the calendar: intraday buckets are aligned to UTC (forex to the 17:00 New
York roll, so H4 bars start at 17:00, 21:00, 01:00 ... New York); days are trading days
(`calendars.trading_day`); weeks start on the first trading day of the week (forex: Sunday 17:00
New York). A bucket whose period has not ended at `now` is forming and is left out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from market.arrays import BarArrays, IntArray
from market.calendars import FOREX_ROLL_HOURS, INTRADAY, NEW_YORK, trading_day
from market.timeframes import Timeframe

DAY = 86400


def _forex_day_open(days: IntArray) -> IntArray:
    """Epoch s of 17:00 New York on the evening before each forex trading day (given at 00:00 UTC)."""
    local_midnight = pd.to_datetime(days, unit="s").tz_localize(NEW_YORK)
    day_open: IntArray = (local_midnight - pd.Timedelta(hours=FOREX_ROLL_HOURS)).tz_convert("UTC").as_unit("s").asi8
    return day_open


def bucket_starts(time: npt.ArrayLike, *, target: Timeframe, calendar: str) -> IntArray:
    """The open time (epoch s) of the target bar each source bar falls in."""
    time = np.asarray(time, dtype=np.int64)
    if target in INTRADAY:
        if calendar == "FOREX":
            day_open = _forex_day_open(trading_day(calendar, time))
            return day_open + ((time - day_open) // target.seconds) * target.seconds
        return (time // target.seconds) * target.seconds
    days = trading_day(calendar, time)
    if target == Timeframe.D1:
        return _forex_day_open(days) if calendar == "FOREX" else days
    if target == Timeframe.W1:
        weekday: IntArray = pd.to_datetime(days, unit="s").day_of_week.to_numpy()
        week_start = days - weekday * DAY  # the Monday of the trading week
        return _forex_day_open(week_start) if calendar == "FOREX" else week_start
    months = pd.to_datetime(days, unit="s").to_period("M").start_time
    month_starts: IntArray = months.as_unit("s").asi8.astype(np.int64)
    return month_starts


def resample(bars: BarArrays, *, target: Timeframe, calendar: str, now: int | None = None) -> BarArrays:
    """Aggregate `bars` into `target` bars; with `now`, drop a last bucket that has not closed."""
    if len(bars) == 0:
        return bars
    starts = bucket_starts(bars.time, target=target, calendar=calendar)
    boundaries = np.flatnonzero(np.diff(starts)) + 1
    first = np.concatenate(([0], boundaries))
    last = np.concatenate((boundaries - 1, [len(bars) - 1]))
    out = BarArrays(
        time=starts[first],
        open=bars.open[first],
        high=np.maximum.reduceat(bars.high, first),
        low=np.minimum.reduceat(bars.low, first),
        close=bars.close[last],
        volume=np.add.reduceat(bars.volume, first),
    )
    if now is not None:
        # The bucket is closed once the next bucket has begun (a source bar at or after its end exists)
        # or, with no later data, once `now` is past its nominal end.
        last_end = out.time[-1] + target.seconds
        if now < last_end:
            out = out.upto(len(out) - 2)  # upto(-1) of a single bar is empty
    return out
