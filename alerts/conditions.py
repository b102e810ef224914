"""What an alert rule's condition may say (its kinds and operators), checked field by field. No Django.

Kinds and what they compare:
- price: the close `above`, `below`, `crosses`, `crosses_up` or `crosses_down` a `value`;
- percent_move: `change(N)` (percent change of the close over N bars, signed) or `abs_change(N)` (its
  size) against a `value` in percent: "change(5) above 3" is a rise of more than 3% over 5 bars;
- indicator: any series of alerts.series against a `value` or another series (`right`), e.g.
  "rsi(14) above 70", "ema(20) crosses_up ema(50)", "close outside bollinger(20,2)";
- volume: `volume_z(N)` (z-score) or `volume_ratio(N)` (multiple of the average of the N bars before)
  against a `value`;
- signal: a new signal (`published`), filtered elsewhere by direction, confidence, timeframe, class;
- outcome: a signal the rule follows `hits_target`, `hits_stop`, or either (`closes`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from alerts.series import SERIES, SeriesSpec, series_parse

ABOVE, BELOW, CROSSES, CROSSES_UP, CROSSES_DOWN, OUTSIDE, INSIDE = (
    "above", "below", "crosses", "crosses_up", "crosses_down", "outside", "inside")
BAR_OPS = (ABOVE, BELOW, CROSSES, CROSSES_UP, CROSSES_DOWN, OUTSIDE, INSIDE)
BAND_OPS = (OUTSIDE, INSIDE)
PUBLISHED = "published"
HITS_TARGET, HITS_STOP, CLOSES = "hits_target", "hits_stop", "closes"
OUTCOME_OPS = (HITS_TARGET, HITS_STOP, CLOSES)
PRICE, PERCENT_MOVE, INDICATOR, VOLUME, SIGNAL, OUTCOME = (
    "price", "percent_move", "indicator", "volume", "signal", "outcome")
BAR_KINDS = (PRICE, PERCENT_MOVE, INDICATOR, VOLUME)
KINDS = (*BAR_KINDS, SIGNAL, OUTCOME)
# kind -> (the series its left side may be, the default left, in words)
LEFT_SERIES = {
    PRICE: ({"close"}, "close", "close"),
    PERCENT_MOVE: ({"change", "abs_change"}, "change(1)", "change(N) or abs_change(N)"),
    VOLUME: ({"volume_z", "volume_ratio"}, "volume_ratio(20)", "volume_z(N) or volume_ratio(N)"),
}


@dataclass(frozen=True)
class Condition:
    """A rule's condition as stored: series as canonical keys, `right` "" when it compares with `value`."""

    kind: str
    left: str = ""
    op: str = ""
    right: str = ""
    value: float | None = None


def condition_check(condition: Condition) -> tuple[Condition, dict[str, list[str]]]:
    """The condition with canonical series keys and defaults filled in, and the errors of each field
    ({} when it is valid)."""
    if condition.kind not in KINDS:
        return condition, {"kind": [f"Choose one of {', '.join(KINDS)}."]}
    if condition.kind in (SIGNAL, OUTCOME):
        return _check_signal_kind(condition)
    errors: dict[str, list[str]] = {}
    left = _left_spec(condition, errors)
    right = _right_spec(condition, errors)
    op = condition.op
    if op not in BAR_OPS:
        errors["op"] = [f"Choose one of {', '.join(BAR_OPS)}."]
    elif right is not None and (op in BAND_OPS) != right.kind.band:
        errors["op" if right.kind.band else "right"] = [
            "A band (bollinger) is compared with outside or inside only." if right.kind.band
            else f"{op} compares with a band, such as bollinger(20,2)."]
    elif right is None and op in BAND_OPS and not condition.right:
        errors["right"] = [f"{op} compares with a band, such as bollinger(20,2)."]
    if left is not None and left.kind.band:
        errors["left"] = ["A band is the right side of outside or inside; put a line on the left, such as close."]
    if condition.right and condition.value is not None:
        errors["value"] = ["Give either a value or a series on the right, not both."]
    elif not condition.right and "right" not in errors:
        _check_value(condition.value, left, errors)
    checked = replace(condition, left=left.key if left else condition.left, right=right.key if right else "")
    return checked, errors


def _check_signal_kind(condition: Condition) -> tuple[Condition, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    allowed = (PUBLISHED,) if condition.kind == SIGNAL else OUTCOME_OPS
    op = condition.op or (PUBLISHED if condition.kind == SIGNAL else CLOSES)
    if op not in allowed:
        errors["op"] = [f"A {condition.kind} rule's condition is one of {', '.join(allowed)}."]
    for field in ("left", "right"):
        if getattr(condition, field):
            errors[field] = [f"A {condition.kind} rule compares no series."]
    if condition.value is not None:
        errors["value"] = [f"A {condition.kind} rule compares no value."]
    return Condition(kind=condition.kind, op=op), errors


def _left_spec(condition: Condition, errors: dict[str, list[str]]) -> SeriesSpec | None:
    allowed, default, words = LEFT_SERIES.get(condition.kind, (None, "", "a series"))
    text = condition.left or default
    if not text:
        errors["left"] = ["Name the series to watch, e.g. rsi(14) or close."]
        return None
    try:
        spec = series_parse(text)
    except ValueError as error:
        errors["left"] = [str(error)]
        return None
    if allowed is not None and spec.name not in allowed:
        errors["left"] = [f"A {condition.kind.replace('_', ' ')} rule watches {words}."]
        return None
    return spec


def _right_spec(condition: Condition, errors: dict[str, list[str]]) -> SeriesSpec | None:
    if not condition.right:
        return None
    if condition.kind != INDICATOR:
        errors["right"] = [f"A {condition.kind.replace('_', ' ')} rule compares with a value, not a series."]
        return None
    try:
        return series_parse(condition.right)
    except ValueError as error:
        errors["right"] = [str(error)]
        return None


def _check_value(value: float | None, left: SeriesSpec | None, errors: dict[str, list[str]]) -> None:
    if value is None:
        errors["value"] = ["Give the value to compare with (or, for an indicator rule, a series on the right)."]
        return
    if not math.isfinite(value):
        errors["value"] = ["Must be a finite number."]
        return
    if left is None:
        return
    kind = SERIES[left.name]
    if kind.family == "price" and value <= 0:
        errors["value"] = [f"{left.key} is a price: the value must be above 0."]
    elif kind.value_range is not None and not kind.value_range[0] <= value <= kind.value_range[1]:
        low, high = kind.value_range
        errors["value"] = [f"{left.key} runs from {low:g} to {high:g}: give a value in that range."]
