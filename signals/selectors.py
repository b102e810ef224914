"""Reads of signals: the track record of outcomes recorded so far."""

from __future__ import annotations

from django.db.models import Avg, Count, Min, Q

from signals.engine.track_record import TrackRecord, track_record
from signals.models import SignalOutcome


def track_record_for(*, strategy, instrument=None, timeframe: str | None = None,
                     tier: str | None = None) -> TrackRecord:
    """The record of every outcome recorded so far (for one tier: of the signals it was sent), in the
    order the outcomes closed: out of sample by construction, as each outcome followed a signal
    published before it was known."""
    rows = list(_outcomes(strategy=strategy, instrument=instrument, timeframe=timeframe, tier=tier)
                .order_by("closed_bar_time", "pk").values_list("r_multiple", "target_1_hit", "signal__confidence"))
    if not rows:
        return TrackRecord(count=0)
    r, hit, confidence = zip(*rows, strict=True)
    return track_record(r, hit, [c if c is not None else float("nan") for c in confidence])


def success_summary_for(*, strategy, instrument, timeframe: str) -> TrackRecord:
    """What a new signal carries of its strategy's record on its instrument and timeframe: count, hit
    rate of target 1, average R and worst R, aggregated by the database (the same definitions as
    `track_record`, so its cost does not grow with the history on the live path)."""
    figures = _outcomes(strategy=strategy, instrument=instrument, timeframe=timeframe).aggregate(
        count=Count("pk"), hits=Count("pk", filter=Q(target_1_hit=True)), average_r=Avg("r_multiple"),
        worst_r=Min("r_multiple"))
    if not figures["count"]:
        return TrackRecord(count=0)
    return TrackRecord(count=figures["count"], hit_rate=round(figures["hits"] / figures["count"], 4),
                       average_r=round(figures["average_r"], 4), worst_r=round(figures["worst_r"], 4))


def _outcomes(*, strategy, instrument=None, timeframe: str | None = None, tier: str | None = None):
    outcomes = SignalOutcome.objects.filter(signal__strategy=strategy)
    if tier is not None:
        outcomes = outcomes.filter(signal__publications__tier=tier)
    if instrument is not None:
        outcomes = outcomes.filter(signal__instrument=instrument)
    if timeframe is not None:
        outcomes = outcomes.filter(signal__timeframe=timeframe)
    return outcomes
