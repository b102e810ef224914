"""The books of engine runs: a run's record, the claim on each pair, each chunk's counts and errors.

A pair (strategy, instrument, timeframe) is claimed by advancing its cursor with a conditional
UPDATE, so it is computed once per bar however many runs and workers want it. A run is finished
when its last chunk is recorded.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from signals.models import EngineCursor, EngineError, EngineRun


def engine_run_create(*, tier: str, trigger: str, started_at: datetime, pairs_wanted: int,
                      chunks_total: int, tiers_served: list[str] | None = None) -> EngineRun:
    """Record a run of `chunks_total` chunks for `tier`, computing pairs for `tiers_served` (the tier alone
    by default); a run with none is finished as soon as it is recorded."""
    return EngineRun.objects.create(tier=tier, tiers_served=tiers_served_text(tiers_served or [tier]),
                                    trigger=trigger, started_at=started_at, pairs_wanted=pairs_wanted,
                                    chunks_total=chunks_total, finished_at=None if chunks_total else timezone.now())


def tiers_served_text(tiers: list[str]) -> str:
    """',free,pro,': a plan's runs are those whose text contains ',<code>,'."""
    return "," + ",".join(sorted(set(tiers))) + ","


def pair_claim(*, strategy_id: int, instrument_id: int, timeframe: str, bar_time: datetime) -> bool:
    """Advance the cursor to `bar_time` unless it is already there; True if this caller won the pair."""
    pair = {"strategy_id": strategy_id, "instrument_id": instrument_id, "timeframe": timeframe}
    if EngineCursor.objects.filter(**pair, last_bar_time__lt=bar_time).update(last_bar_time=bar_time):
        return True
    _, created = EngineCursor.objects.get_or_create(**pair, defaults={"last_bar_time": bar_time})
    return created


def engine_run_record_chunk(*, run_id: int, computed: int, signals: int, errors: list[tuple[int, str, str]]) -> None:
    """Add a chunk's counts and errors to its run; the last chunk marks the run finished."""
    with transaction.atomic():
        EngineError.objects.bulk_create(
            EngineError(run_id=run_id, instrument_id=i, timeframe=tf, error=message[:4000]) for i, tf, message in errors
        )
        EngineRun.objects.filter(pk=run_id).update(
            pairs_computed=F("pairs_computed") + computed, signals_created=F("signals_created") + signals,
            error_count=F("error_count") + len(errors), chunks_done=F("chunks_done") + 1,
            finished_at=Case(When(chunks_done=F("chunks_total") - 1, finished_at=None, then=Value(timezone.now())),
                             default=F("finished_at")),
        )
