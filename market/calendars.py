"""Trading calendars: when bars are expected, and which trading day or week a time belongs to.

- XNYS (US stocks): the NYSE sessions and holidays of `exchange_calendars`, including special
  closures (e.g. 2004-06-11, 2012-10-29/30). Daily bars are stamped at the session date 00:00 UTC.
- FOREX: open Sunday 17:00 to Friday 17:00 America/New_York, closed on the trading days of
  25 December and 1 January; the trading day rolls at 17:00 New York (so a daily bar opens at
  17:00 New York of the previous calendar day), the week on Sunday 17:00 New York.
- ALWAYS (crypto): every step of the timeframe, UTC days and ISO weeks.
No Django here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from market.arrays import BoolArray, IntArray
from market.timeframes import Timeframe

if TYPE_CHECKING:
    from exchange_calendars import ExchangeCalendar

NEW_YORK = ZoneInfo("America/New_York")
FOREX_ROLL_HOURS = 7  # 17:00 New York + 7 h = 00:00 of the next trading day
INTRADAY = {Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.M30, Timeframe.H1, Timeframe.H4}


@lru_cache(maxsize=4)
def _nyse(start_year: int = 1990, end_year: int = 2035) -> ExchangeCalendar:
    import warnings

    import exchange_calendars

    with warnings.catch_warnings():  # exchange_calendars itself still uses an API pandas 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return exchange_calendars.get_calendar("XNYS", start=f"{start_year}-01-01", end=f"{end_year}-12-31")


def _to_utc_index(times: npt.ArrayLike) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(times, dtype="int64"), unit="s", utc=True)


def trading_day(calendar: str, times: npt.ArrayLike) -> IntArray:
    """The trading day (as int64 epoch seconds of its date at 00:00 UTC) each bar time belongs to."""
    index = _to_utc_index(times)
    if calendar == "FOREX":
        local = index.tz_convert(NEW_YORK) + pd.Timedelta(hours=FOREX_ROLL_HOURS)
        days = local.tz_localize(None).normalize()
    elif calendar == "XNYS":
        # Daily bars carry their session date at 00:00 UTC; intraday bars (the session runs
        # 14:30-21:00 UTC) belong to their New York date.
        new_york_days = index.tz_convert(NEW_YORK).tz_localize(None).normalize()
        days = pd.DatetimeIndex(np.where(np.asarray(times) % 86400 == 0, index.tz_localize(None), new_york_days))
    else:
        days = index.tz_localize(None).normalize()
    day_starts: IntArray = days.as_unit("s").asi8.astype(np.int64)
    return day_starts


def is_open(calendar: str, times: npt.ArrayLike, timeframe: Timeframe) -> BoolArray:
    """Whether the calendar expects a bar of `timeframe` opening at each time."""
    index = _to_utc_index(times)
    if calendar == "ALWAYS":
        return np.ones(len(index), dtype=bool)
    if calendar == "FOREX":
        local = index.tz_convert(NEW_YORK)
        day = local + pd.Timedelta(hours=FOREX_ROLL_HOURS)
        holiday = ((day.month == 12) & (day.day == 25)) | ((day.month == 1) & (day.day == 1))
        if timeframe in INTRADAY:
            weekday, hour = local.day_of_week, local.hour
            weekend = (weekday == 5) | ((weekday == 4) & (hour >= 17)) | ((weekday == 6) & (hour < 17))
            return np.asarray(~weekend & ~holiday)
        return np.asarray((day.day_of_week < 5) & ~holiday)
    sessions = _nyse().sessions
    if timeframe in INTRADAY:
        minutes = _nyse().minutes
        return np.asarray(index.isin(minutes))
    dates = index.tz_localize(None).normalize()
    return np.asarray(dates.isin(sessions.tz_localize(None) if sessions.tz is not None else sessions))


def expected_between(calendar: str, timeframe: Timeframe, start: int, end: int) -> int:
    """How many bars the calendar expects strictly between two bar times (epoch s); 0 means no gap."""
    if timeframe == Timeframe.MN1:
        months: int = (pd.Timestamp(end, unit="s").to_period("M") - pd.Timestamp(start, unit="s").to_period("M")).n
        return max(months - 1, 0)
    if timeframe == Timeframe.W1:
        return max(round((end - start) / Timeframe.W1.seconds) - 1, 0)
    step = timeframe.seconds
    candidates = np.arange(start + step, end, step, dtype=np.int64)
    if candidates.size == 0:
        return 0
    return int(is_open(calendar, candidates, timeframe).sum())
