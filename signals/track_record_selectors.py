"""Reads of the track record by group: per strategy, asset class, instrument and timeframe.

The figures are `signals.engine.track_record` over the outcomes recorded so far, each group in the
order its outcomes closed: out of sample by construction (every outcome followed a signal published
before it was known). Everyone's record counts every signal; a tier's counts the signals published
to that tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from billing.entitlements import Entitlements
from signals.engine.chart_patterns import NAMES as CHART_PATTERN_NAMES
from signals.engine.track_record import TrackRecord, track_record
from signals.models import SignalOutcome

# What a record can be grouped by, in the order a group's key is written.
GROUPS = ("strategy", "asset_class", "symbol", "timeframe")
SUMMARY_GROUPS = ("strategy", "asset_class")
SUMMARY_CACHE_KEY = "beacon:track-record-summary"
SUMMARY_MAX_AGE_SECONDS = 60
COLUMNS = ("r_multiple", "target_1_hit", "signal__confidence", "signal__strategy__name",
           "signal__strategy__version", "signal__asset_class", "signal__instrument__symbol", "signal__timeframe")


@dataclass(frozen=True)
class TrackRecordGroup:
    key: dict[str, str]  # a value for each grouped dimension
    record: TrackRecord
    r_multiples: tuple[float, ...] = ()  # each outcome's R in the order they closed (the equity curve's steps)


@dataclass(frozen=True)
class TrackRecordFilters:
    asset_class: str | None = None
    symbol: str | None = None
    timeframe: str | None = None


def _outcomes_seen_by(entitlements: Entitlements | None):
    """Every outcome, or with `entitlements` those of the signals published to that plan's tier."""
    outcomes = SignalOutcome.objects.all()
    if entitlements is not None:
        outcomes = outcomes.filter(signal__publications__tier=entitlements.plan_code,
                                   signal__publications__published_at__isnull=False)
    return outcomes


def _column_append(columns: dict, key, r: float, hit: bool, confidence: float | None) -> None:
    """Add one outcome to its group's columns (R, target-1 hit, confidence with NaN for none)."""
    rs, hits, confidences = columns.setdefault(key, ([], [], []))
    rs.append(r)
    hits.append(hit)
    confidences.append(float("nan") if confidence is None else confidence)


def track_record_groups(*, group_by: Sequence[str] = GROUPS, filters: TrackRecordFilters = TrackRecordFilters(),
                        entitlements: Entitlements | None = None) -> list[TrackRecordGroup]:
    """The record of each group (by the dimensions of `group_by`, in GROUPS' order), sorted by key;
    with `entitlements`, of the signals published to that plan's tier only. One query."""
    outcomes = _outcomes_seen_by(entitlements)
    if filters.asset_class:
        outcomes = outcomes.filter(signal__asset_class=filters.asset_class)
    if filters.symbol:
        outcomes = outcomes.filter(signal__instrument__symbol=filters.symbol)
    if filters.timeframe:
        outcomes = outcomes.filter(signal__timeframe=filters.timeframe)
    dimensions = [name for name in GROUPS if name in group_by]
    columns: dict[tuple, tuple[list, list, list]] = {}
    for r, hit, confidence, name, version, asset_class, symbol, timeframe in (
            outcomes.order_by("closed_bar_time", "pk").values_list(*COLUMNS).iterator(chunk_size=5000)):
        values = {"strategy": f"{name} v{version}", "asset_class": asset_class, "symbol": symbol,
                  "timeframe": timeframe}
        _column_append(columns, tuple(values[d] for d in dimensions), r, hit, confidence)
    return [TrackRecordGroup(key=dict(zip(dimensions, key, strict=True)), record=track_record(*columns[key]),
                             r_multiples=tuple(columns[key][0])) for key in sorted(columns)]


def track_record_summary(*, now: datetime) -> tuple[datetime, list[TrackRecordGroup]]:
    """Everyone's record by strategy and asset class, and when it was computed: at most
    SUMMARY_MAX_AGE_SECONDS ago, as it is public and reads every outcome."""
    summary = cache.get(SUMMARY_CACHE_KEY)
    if summary is None:
        summary = (now, track_record_groups(group_by=SUMMARY_GROUPS))
        cache.set(SUMMARY_CACHE_KEY, summary, SUMMARY_MAX_AGE_SECONDS)
    return summary


def chart_pattern_track_records(*, entitlements: Entitlements | None = None) -> list[TrackRecordGroup]:
    """The record of the signals each chart pattern voted for (a pattern confirmed in the signal's
    direction at its bar), by pattern name ({"chart_pattern": name}), sorted by name; with `entitlements`,
    of the signals published to that plan's tier only. A signal with two such patterns counts in both.
    Out of sample like every record here: outcomes recorded after the signals were published. One query."""
    outcomes = _outcomes_seen_by(entitlements).exclude(signal__chart_pattern_geometry=[])
    columns: dict[str, tuple[list, list, list]] = {}
    rows = outcomes.order_by("closed_bar_time", "pk").values_list(
        "r_multiple", "target_1_hit", "signal__confidence", "signal__direction", "signal__chart_pattern_geometry")
    for r, hit, confidence, direction, geometry in rows.iterator(chunk_size=5000):
        side = "up" if direction == "BUY" else "down"
        for name in sorted({pattern["name"] for pattern in geometry or [] if pattern.get("direction") == side}):
            _column_append(columns, name, r, hit, confidence)
    return [TrackRecordGroup(key={"chart_pattern": name}, record=track_record(*columns[name]),
                             r_multiples=tuple(columns[name][0])) for name in sorted(columns)]


def chart_pattern_name(code: str) -> str:
    """A pattern's name as the reasoning writes it ("double_bottom": "Double bottom")."""
    return CHART_PATTERN_NAMES.get(code, code.replace("_", " ").capitalize())
