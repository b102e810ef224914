"""Validation of incoming bars: every rule gives a reason code and a message. No Django.

Rules, checked in this order (the first that fails is the bar's reason):
  non_finite            a missing, NaN or infinite value
  non_positive_price    open, high, low or close <= 0
  high_below_low        high < low
  open_outside_range    open not in [low, high]
  close_outside_range   close not in [low, high]
  negative_volume       volume < 0
  duplicate_time        the same time twice in the batch (the second is quarantined)
  out_of_order          a time earlier than the bar before it in the batch
  spike                 true range above `spike_atr_multiple` x the ATR of the bars before it
Gaps the calendar does not explain are not bad bars: they are reported (see `gaps`), not quarantined.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from market.arrays import BoolArray, FloatArray, IntArray
from market.calendars import expected_between
from market.timeframes import Timeframe

ATR_PERIOD = 14
# Real history moves far: the bundled data peak at 25.8 x ATR (BTCUSD monthly, 2013) and 12.6 x
# (EURUSD hourly). A bad print (a price off by a factor) is far beyond 30 x.
DEFAULT_SPIKE_ATR_MULTIPLE = 30.0


@dataclass(frozen=True)
class BarIssue:
    index: int
    reason: str
    message: str


@dataclass(frozen=True)
class Gap:
    after: int  # epoch s of the bar before the gap
    before: int  # epoch s of the bar after the gap
    missing: int  # bars the calendar expected in between


def _true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    prev_close = np.concatenate(([np.nan], close[:-1]))
    ranges = np.vstack([high - low, np.abs(high - prev_close), np.abs(low - prev_close)])
    true_range: FloatArray = np.nanmax(ranges, axis=0)
    return true_range


def _trailing_atr(true_range: FloatArray, period: int) -> FloatArray:
    """Simple average of the `period` true ranges BEFORE each bar (NaN until there are enough)."""
    out = np.full(true_range.shape, np.nan)
    if true_range.size > period:
        window = np.lib.stride_tricks.sliding_window_view(true_range, period).mean(axis=1)
        out[period:] = window[:-1]
    return out


def validate_bars(time: IntArray, open_: FloatArray, high: FloatArray, low: FloatArray, close: FloatArray,
                  volume: FloatArray, *, spike_atr_multiple: float = DEFAULT_SPIKE_ATR_MULTIPLE) -> list[BarIssue]:
    """The issues of a batch of bars (arrays of equal length, oldest first); empty when all are good."""
    n = len(time)
    reason = np.full(n, "", dtype=object)
    message = np.full(n, "", dtype=object)

    def flag(mask: BoolArray | np.bool_, code: str, text: str) -> None:
        """Give the bars in `mask` (one entry per bar, or one for all) this reason unless they have one."""
        new = mask & (reason == "")
        reason[new] = code
        message[new] = text

    values = np.vstack([open_, high, low, close, volume]).astype(np.float64)
    flag(~np.isfinite(values).all(axis=0), "non_finite", "a value is missing or not a finite number")
    with np.errstate(invalid="ignore"):
        flag((values[:4] <= 0).any(axis=0), "non_positive_price", "a price is zero or negative")
        flag(high < low, "high_below_low", "high is below low")
        flag((open_ < low) | (open_ > high), "open_outside_range", "open is outside [low, high]")
        flag((close < low) | (close > high), "close_outside_range", "close is outside [low, high]")
        flag(volume < 0, "negative_volume", "volume is negative")
    time = np.asarray(time, dtype=np.int64)
    step = np.diff(time, prepend=time[:1] - 1)
    flag(step == 0, "duplicate_time", "the same time appears twice")
    flag(step < 0, "out_of_order", "earlier than the bar before it")

    good = reason == ""
    if good.sum() > ATR_PERIOD:
        idx = np.flatnonzero(good)
        tr = _true_range(high[idx], low[idx], close[idx])
        atr = _trailing_atr(tr, ATR_PERIOD)
        with np.errstate(invalid="ignore"):
            spikes = idx[tr > spike_atr_multiple * atr]
        mask = np.zeros(n, dtype=bool)
        mask[spikes] = True
        flag(mask, "spike", f"true range above {spike_atr_multiple:g} x ATR({ATR_PERIOD})")
    return [BarIssue(int(i), str(reason[i]), str(message[i])) for i in np.flatnonzero(reason != "")]


def gaps(time: Iterable[int], *, calendar: str, timeframe: Timeframe) -> list[Gap]:
    """Stretches between consecutive bars in which the calendar expected bars that are not there."""
    found = []
    nominal = timeframe.seconds
    for before, after in itertools.pairwise(time):
        if after - before <= nominal:
            continue
        missing = expected_between(calendar, timeframe, int(before), int(after))
        if missing:
            found.append(Gap(after=int(before), before=int(after), missing=missing))
    return found
