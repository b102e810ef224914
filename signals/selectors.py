"""Reads of signals: the track record of outcomes recorded so far."""

from __future__ import annotations

from signals.engine.track_record import TrackRecord, track_record
from signals.models import SignalOutcome


def track_record_for(*, strategy, instrument=None, timeframe: str | None = None,
                     tier: str | None = None) -> TrackRecord:
    """The record of every outcome recorded so far (for one tier: of the signals it was sent): out of
    sample by construction, as each outcome followed a signal published before it was known."""
    outcomes = SignalOutcome.objects.filter(signal__strategy=strategy)
    if tier is not None:
        outcomes = outcomes.filter(signal__publications__tier=tier)
    if instrument is not None:
        outcomes = outcomes.filter(signal__instrument=instrument)
    if timeframe is not None:
        outcomes = outcomes.filter(signal__timeframe=timeframe)
    rows = list(outcomes.values_list("r_multiple", "target_1_hit", "signal__confidence"))
    if not rows:
        return TrackRecord(count=0)
    r, hit, confidence = zip(*rows, strict=True)
    return track_record(r, hit, [c if c is not None else float("nan") for c in confidence])
