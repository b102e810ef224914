"""Alert evaluation: which rules fire, as pure functions over arrays. No Django, no clock, no I/O.

Bar rules (price, percent move, indicator, volume) compare a series (alerts.series) with a number or
another series at the newest closed bar of an instrument, and at the bar before it for crosses. All
the rules of a batch of instruments are evaluated in one vectorised pass: each series a rule names is
computed once per instrument, whatever the number of rules naming it.

Operators, with d = left - right at the previous bar (d0) and at the new one (d1):
- `above`: d1 > 0; `below`: d1 < 0 (strictly: at the value is neither).
- `crosses_up`: d0 < 0 and d1 >= 0; `crosses_down`: d0 > 0 and d1 <= 0; `crosses`: either.
  A cross happens on the bar whose close reaches or passes the level coming from strictly the other
  side: a close exactly at the level counts as having crossed, and leaving the level afterwards is
  not a second cross (99 -> 100 -> 101 crosses up once, on the bar at 100; 99 -> 100 -> 99 crosses
  up on the bar at 100 and not down after it). Bars are closed bars only: nothing fires on a
  forming bar.
- `outside`: left above a band's upper line or below its lower line; `inside`: within both, inclusive.
A NaN on either side (an indicator's warm-up, a missing bar) never fires.

Signal and outcome rules match a new signal's (or its outcome's) facts against their filters.

Whether a rule may fire at a moment (`rules_eligible`) is the same for every kind: the rule is active
(or it was paused by firing once at this very moment: matches of the same moment, on several
instruments of a watchlist, are one firing), it has not expired, and its cooldown since the last
firing is over (again, the same moment counts as one firing). Moments are epoch seconds: a bar's
close time, a publication's, an outcome's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alerts.conditions import (
    ABOVE,
    BAND_OPS,
    BELOW,
    CLOSES,
    CROSSES,
    CROSSES_DOWN,
    CROSSES_UP,
    HITS_STOP,
    HITS_TARGET,
    INSIDE,
    OUTSIDE,
    PUBLISHED,
)
from alerts.series import SERIES, series_last_two_many, series_parse
from market.arrays import BarArrays, BoolArray, FloatArray, IntArray

ObjectArray = npt.NDArray[np.object_]  # of str

OP_WORDS = {ABOVE: "is above", BELOW: "is below", CROSSES: "crossed", CROSSES_UP: "crossed above",
            CROSSES_DOWN: "crossed below", OUTSIDE: "is outside", INSIDE: "is inside",
            PUBLISHED: "a new signal", HITS_TARGET: "hit a target", HITS_STOP: "hit its stop",
            CLOSES: "hit a target or its stop"}


def rules_eligible(*, now: float, active: BoolArray, fired_once: BoolArray, last_fired: FloatArray,
                   cooldown: FloatArray, expires: FloatArray) -> BoolArray:
    """Which rules may fire at `now` (epoch s). `active` and `fired_once` (paused after firing once) are
    booleans; `last_fired` and `expires` epoch seconds (NaN: never); `cooldown` seconds."""
    with np.errstate(invalid="ignore"):
        same_moment = last_fired == now
        cooled = np.isnan(last_fired) | (now >= last_fired + cooldown) | same_moment
        current = np.isnan(expires) | (now < expires)
    eligible: BoolArray = (active | (fired_once & same_moment)) & cooled & current
    return eligible


@dataclass(frozen=True)
class BarRules:
    """Bar rules to evaluate at one new closed bar of each instrument: one row per (rule, instrument) (a
    rule that follows a watchlist has a row for each instrument of the list)."""

    rule_id: IntArray
    instrument_id: IntArray
    left: ObjectArray  # str: canonical series keys
    op: ObjectArray  # str: one of BAR_OPS
    right: ObjectArray  # str: a series key, or "" to compare with `value`
    value: FloatArray
    active: BoolArray
    fired_once: BoolArray  # paused by firing once
    last_fired: FloatArray  # epoch s, NaN never
    cooldown: FloatArray  # s
    expires: FloatArray  # epoch s, NaN never

    FIELDS = ("rule_id", "instrument_id", "left", "op", "right", "value", "active", "fired_once", "last_fired",
              "cooldown", "expires")
    DTYPES = (np.int64, np.int64, object, object, object, np.float64, bool, bool, np.float64, np.float64,
              np.float64)

    def __len__(self) -> int:
        return int(self.rule_id.shape[0])

    @classmethod
    def from_rows(cls, rows: list[tuple[Any, ...]]) -> BarRules:
        """From tuples in FIELDS order (None for a missing number becomes NaN)."""
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(cls.FIELDS)
        arrays: dict[str, np.ndarray[Any, Any]] = {}
        for name, dtype, column in zip(cls.FIELDS, cls.DTYPES, columns, strict=True):
            if dtype is np.float64:
                arrays[name] = np.array([np.nan if v is None else v for v in column], dtype=np.float64)
            else:
                arrays[name] = np.array(column, dtype=dtype)
        return cls(**arrays)


@dataclass(frozen=True)
class BarFirings:
    """The rows of a BarRules that fire, with the values they compared at the new bar."""

    rows: IntArray  # indices into the rules
    left_value: FloatArray
    right_value: FloatArray  # the number, the other series, or a band's upper line
    lower_value: FloatArray  # a band's lower line, else NaN

    def __len__(self) -> int:
        return int(self.rows.shape[0])


def bar_rules_evaluate(rules: BarRules, bars: Mapping[int, BarArrays], *, now: float) -> BarFirings:
    """The rules that fire at the newest bar of each instrument in `bars` (oldest first, closed bars
    only, long enough for the series: `lookback_bars`), at moment `now` (epoch s)."""
    eligible = rules_eligible(now=now, active=rules.active, fired_once=rules.fired_once,
                              last_fired=rules.last_fired, cooldown=rules.cooldown, expires=rules.expires)
    candidates = np.flatnonzero(eligible & np.isin(rules.instrument_id, np.fromiter(bars, dtype=np.int64)))
    if not len(candidates):
        return _no_firings()
    instruments, which = np.unique(rules.instrument_id[candidates], return_inverse=True)
    count = len(candidates)
    codes, keys = pd.factorize(np.concatenate([rules.left[candidates], rules.right[candidates]]))
    left_code, right_code = codes[:count], codes[count:]
    compares_series = rules.right[candidates] != ""

    # values[instrument, key, line (series or upper / lower), bar (previous / new)]
    values = np.full((len(instruments), len(keys), 2, 2), np.nan)
    wanted = np.zeros((len(instruments), len(keys)), dtype=bool)  # the series each instrument's rules name
    wanted[which, left_code] = True
    wanted[which[compares_series], right_code[compares_series]] = True
    for key, text in enumerate(keys.tolist()):  # each series once per instrument, for all instruments at once
        rows = np.flatnonzero(wanted[:, key])
        if text and len(rows):
            values[rows, key] = series_last_two_many([bars[int(pk)] for pk in instruments[rows]], series_parse(text))

    left = values[which, left_code, 0]  # (count, 2)
    constant = rules.value[candidates]
    right = np.where(compares_series[:, None], values[which, right_code, 0], constant[:, None])
    lower = np.where(compares_series, values[which, right_code, 1, 1], np.nan)
    fires = _compare(rules.op[candidates], left, right, lower)
    picked = candidates[fires]
    return BarFirings(rows=picked.astype(np.int64), left_value=left[fires, 1], right_value=right[fires, 1],
                      lower_value=lower[fires])


def _compare(op: ObjectArray, left: FloatArray, right: FloatArray, lower: FloatArray) -> BoolArray:
    with np.errstate(invalid="ignore"):
        d0, d1 = left[:, 0] - right[:, 0], left[:, 1] - right[:, 1]
        up = (d0 < 0) & (d1 >= 0)
        down = (d0 > 0) & (d1 <= 0)
        current = left[:, 1]
        outside = (current > right[:, 1]) | (current < lower)
        inside = (current <= right[:, 1]) & (current >= lower)
    conditions = [op == ABOVE, op == BELOW, op == CROSSES_UP, op == CROSSES_DOWN, op == CROSSES,
                  op == OUTSIDE, op == INSIDE]
    choices = [d1 > 0, d1 < 0, up, down, up | down, outside, inside]
    fires: BoolArray = np.select(conditions, choices, default=False).astype(bool)
    return fires


def _no_firings() -> BarFirings:
    empty = np.empty(0, dtype=np.float64)
    return BarFirings(rows=np.empty(0, dtype=np.int64), left_value=empty, right_value=empty, lower_value=empty)


def lookback_bars(keys: Iterable[str]) -> int:
    """Bars to load so that every series of `keys` (canonical series keys) is computed in full."""
    return max([series_parse(key).lookback for key in set(keys) if key] or [series_parse("close").lookback])


@dataclass(frozen=True)
class SignalFacts:
    """What signal and outcome rules filter on. `outcome` is "target", "stop" or None (a new signal)."""

    direction: str
    confidence: float | None
    timeframe: str
    asset_class: str
    outcome: str | None = None


def signal_rules_match(*, op: ObjectArray, direction: ObjectArray, min_confidence: FloatArray,
                       timeframe: ObjectArray, asset_class: ObjectArray, facts: SignalFacts) -> BoolArray:
    """Which signal or outcome rules match the facts. Filters left empty ("" or NaN) match anything; a
    minimum confidence never matches a signal without one."""
    confidence = np.nan if facts.confidence is None else facts.confidence
    with np.errstate(invalid="ignore"):
        confident = np.isnan(min_confidence) | (confidence >= min_confidence)
    filters: BoolArray = (((direction == "") | (direction == facts.direction)) & confident
                          & ((timeframe == "") | (timeframe == facts.timeframe))
                          & ((asset_class == "") | (asset_class == facts.asset_class)))
    if facts.outcome is None:
        wanted: BoolArray = op == PUBLISHED
    else:
        wanted = (op == CLOSES) | ((op == HITS_TARGET) & (facts.outcome == "target")) \
            | ((op == HITS_STOP) & (facts.outcome == "stop"))
    return filters & wanted


def _shown(value: float, precision: int) -> str:
    return "n/a" if value is None or np.isnan(value) else f"{value:,.{precision}f}"


def bar_firing_message(*, symbol: str, timeframe: str, left: str, op: str, right: str, value: float,
                       left_value: float, right_value: float, lower_value: float, precision: int) -> str:
    """What fired, in words: "GOOG D1: close 101.50 crossed above 100.00"."""
    digits = precision if SERIES[series_parse(left).name].family == "price" else 2
    words = OP_WORDS[op]
    if op == CROSSES:
        words = "crossed above" if left_value >= right_value else "crossed below"
    if op in BAND_OPS:
        target = f"{right} ({_shown(lower_value, digits)} to {_shown(right_value, digits)})"
    elif right:
        target = f"{right} ({_shown(right_value, digits)})"
    else:
        target = _shown(value, digits)
    return f"{symbol} {timeframe}: {left} {_shown(left_value, digits)} {words} {target}"


def signal_firing_message(*, symbol: str, timeframe: str, direction: str, entry: float, precision: int,
                          outcome: str | None = None, r_multiple: float | None = None) -> str:
    """A new signal or its outcome, in words: "GOOG D1: new BUY signal at 723.25"."""
    if outcome is None:
        return f"{symbol} {timeframe}: new {direction} signal at {_shown(entry, precision)}"
    result = "hit a target" if outcome == "target" else "hit its stop"
    r_text = f" ({r_multiple:+.2f}R)" if r_multiple is not None else ""
    return f"{symbol} {timeframe}: the {direction} signal at {_shown(entry, precision)} {result}{r_text}"

