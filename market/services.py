"""Writes of market data: validated, idempotent ingest of bars (from arrays, a backfill or a live
poll), with bad bars quarantined; the instrument catalogue.

Storing is market.bar_upsert, closed-bar events market.bar_events; the CSV import, the demo seed and
the choice of provider have modules of their own (csv_import, demo_seed, provider_factory).
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction

from config.epoch import utc_from_epoch
from market.arrays import PRICE_COLUMNS, BarArrays
from market.bar_events import bars_closed_emit
from market.bar_upsert import bars_upsert
from market.catalogue import INSTRUMENTS
from market.models import Instrument, QuarantinedBar
from market.providers.base import closed_since
from market.selectors import bar_time_latest
from market.timeframes import Timeframe
from market.validation import validate_bars


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0  # inserted or changed; identical re-imports store nothing
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    events_emitted: int = 0
    seconds: float = 0.0
    issues: list = field(default_factory=list)  # the BarIssue of each quarantined bar, by position


def bars_ingest(*, instrument: Instrument, timeframe: Timeframe | str, bars: BarArrays, source: str,
                emit_events: bool = False, now: datetime | None = None,
                spike_atr_multiple: float | None = None) -> IngestReport:
    """Validate `bars`, upsert the good ones, quarantine the bad with their reason and source."""
    return bars_ingest_many(timeframe=timeframe, items=[(instrument, bars)], source=source, emit_events=emit_events,
                            now=now, spike_atr_multiple=spike_atr_multiple)[instrument.pk]


@transaction.atomic
def bars_ingest_many(*, timeframe: Timeframe | str, items: list[tuple[Instrument, BarArrays]], source: str,
                     emit_events: bool = False, now: datetime | None = None,
                     spike_atr_multiple: float | None = None) -> dict[int, IngestReport]:
    """`bars_ingest` for many instruments of one timeframe in one transaction (and, on PostgreSQL,
    one COPY); returns a report per instrument id."""
    started = clock.perf_counter()
    timeframe = Timeframe(timeframe)
    multiple = spike_atr_multiple or settings.MARKET_SPIKE_ATR_MULTIPLE
    reports, frames, quarantined = {}, {}, []
    for instrument, bars in items:
        report = IngestReport(received=len(bars))
        report.issues = validate_bars(bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume,
                                      spike_atr_multiple=multiple)
        good = np.ones(len(bars), dtype=bool)
        for issue in report.issues:
            good[issue.index] = False
            report.reasons[issue.reason] = report.reasons.get(issue.reason, 0) + 1
        report.quarantined = len(report.issues)
        quarantined += _quarantined(instrument, timeframe, bars, report.issues, source)
        kept = bars.where(good)
        frames[instrument.pk] = pd.DataFrame({c: getattr(kept, c) for c in ("time", *PRICE_COLUMNS)})
        reports[instrument.pk] = report
    QuarantinedBar.objects.bulk_create(quarantined)
    stored = bars_upsert(timeframe=timeframe, frames=frames)
    for instrument, _ in items:
        report = reports[instrument.pk]
        report.stored = stored.get(instrument.pk, 0)
        if emit_events and len(frames[instrument.pk]):
            report.events_emitted = bars_closed_emit(instrument=instrument, timeframe=timeframe,
                                                     times=frames[instrument.pk]["time"].to_numpy(), now=now)
    elapsed = clock.perf_counter() - started
    for report in reports.values():
        report.seconds = elapsed
    return reports


def _quarantined(instrument, timeframe, bars: BarArrays, issues, source: str) -> list[QuarantinedBar]:
    rows = []
    for issue in issues:
        i = issue.index
        raw = {c: _json_number(getattr(bars, c)[i]) for c in PRICE_COLUMNS}
        raw["time"] = int(bars.time[i])
        rows.append(QuarantinedBar(instrument=instrument, timeframe=timeframe,
                                   time=utc_from_epoch(int(bars.time[i])), raw=raw,
                                   reason=issue.reason, message=issue.message, source=source[:120]))
    return rows


def _json_number(value: float) -> float | str:
    return float(value) if np.isfinite(value) else str(value)


@transaction.atomic
def instrument_catalogue_load() -> int:
    """Create or update the instrument catalogue; returns how many instruments it holds."""
    for spec in INSTRUMENTS:
        Instrument.objects.update_or_create(symbol=spec["symbol"],
                                            defaults={k: v for k, v in spec.items() if k != "symbol"})
    return len(INSTRUMENTS)


def bars_backfill(*, instrument: Instrument, timeframe: Timeframe | str, provider, since: datetime,
                  until: datetime | None = None) -> IngestReport:
    """Fetch history from `provider` and ingest it (no events: history is not news)."""
    until = until or datetime.now(tz=UTC)
    bars = provider.history(instrument.symbol, Timeframe(timeframe), int(since.timestamp()), int(until.timestamp()))
    return bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=f"{provider.name}:backfill")


def bars_poll(*, instrument: Instrument, timeframe: Timeframe | str, provider, now: datetime | None = None,
              lookback_bars: int = 500) -> IngestReport:
    """Fetch the bars closed since the newest stored one and ingest them, emitting closed-bar events."""
    timeframe = Timeframe(timeframe)
    now = now or datetime.now(tz=UTC)
    newest = bar_time_latest(instrument=instrument, timeframe=timeframe)
    since = int(newest.timestamp()) if newest else int(now.timestamp()) - lookback_bars * timeframe.seconds
    bars = closed_since(provider, instrument.symbol, timeframe, since, int(now.timestamp()))
    return bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=f"{provider.name}:poll",
                       emit_events=True, now=now)
