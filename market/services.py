"""Writes of market data: validated, idempotent bulk upsert of bars; closed-bar events; demo seed."""

from __future__ import annotations

import time as clock
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from celery import current_app
from django.conf import settings
from django.db import connection, transaction

from config.epoch import utc_from_epoch
from config.sql import datetime_from_row
from market import pgcopy
from market.arrays import PRICE_COLUMNS, BarArrays
from market.models import Bar, Instrument, QuarantinedBar
from market.selectors import bar_time_latest
from market.timeframes import Timeframe
from market.validation import validate_bars

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0  # inserted or changed; identical re-imports store nothing
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    events_emitted: int = 0
    seconds: float = 0.0
    issues: list = field(default_factory=list)  # the BarIssue of each quarantined bar, by position


def _to_datetimes(epoch_seconds: np.ndarray) -> list[datetime]:
    return [utc_from_epoch(int(t)) for t in epoch_seconds]


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
    stored = _upsert_many(timeframe, frames)
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


def _upsert_many(timeframe: str, frames: dict[int, pd.DataFrame]) -> dict[int, int]:
    """Store each instrument's frame; returns how many rows each inserted or changed."""
    frames = {pk: frame for pk, frame in frames.items() if not frame.empty}
    if not frames:
        return {}
    if connection.vendor == "postgresql":
        return _upsert_postgres(timeframe, frames)
    return {pk: _upsert_portable(pk, timeframe, frame) for pk, frame in frames.items()}


def _upsert_portable(instrument_id: int, timeframe: str, frame: pd.DataFrame) -> int:
    objects = [Bar(instrument_id=instrument_id, timeframe=timeframe, time=t, **dict(zip(PRICE_COLUMNS, row, strict=True)))
               for t, row in zip(_to_datetimes(frame["time"].to_numpy()),
                                 frame[list(PRICE_COLUMNS)].itertuples(index=False, name=None), strict=True)]
    existing = set(Bar.objects.filter(instrument_id=instrument_id, timeframe=timeframe,
                                      time__in=[o.time for o in objects])
                   .values_list("time", *PRICE_COLUMNS))
    changed = [o for o in objects if (o.time, o.open, o.high, o.low, o.close, o.volume) not in existing]
    Bar.objects.bulk_create(changed, batch_size=2000, update_conflicts=True,
                            unique_fields=["instrument", "timeframe", "time"], update_fields=list(PRICE_COLUMNS))
    return len(changed)


UPSERT_CONFLICT_SQL = """
ON CONFLICT (instrument_id, timeframe, time) DO UPDATE
SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    volume = EXCLUDED.volume
WHERE (market_bar.open, market_bar.high, market_bar.low, market_bar.close, market_bar.volume)
      IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close, EXCLUDED.volume)
RETURNING instrument_id
"""
UPSERT_STAGED_SQL = "".join(["INSERT INTO market_bar (instrument_id, timeframe, time, open, high, low, close, volume)"
                             " SELECT i, %s, to_timestamp(t), o, h, l, c, v FROM _incoming_bars", UPSERT_CONFLICT_SQL])
UPSERT_VALUES_SQL = "INSERT INTO market_bar (instrument_id, timeframe, time, open, high, low, close, volume) VALUES "
UPSERT_VALUES_ROW = "(%s, %s, to_timestamp(%s), %s, %s, %s, %s, %s)"
# Up to this many rows (a live poll's new bars), one INSERT ... VALUES beats checking for overlap and
# then copying: 1 round trip instead of 2-4.
SMALL_BATCH_ROWS = 200


def _copy_binary(frame: pd.DataFrame, *, instrument_ids: np.ndarray, timeframe: str = "") -> bytes:
    """Rows (i, t, o, h, l, c, v) for the staging table, or, with a timeframe, rows
    (instrument_id, timeframe, time, open, high, low, close, volume) for market_bar itself."""
    direct = bool(timeframe)
    key_fields = [("id_len", ">i4"), ("id", ">i8")]
    key_fields += [("tf_len", ">i4"), ("tf", f"S{len(timeframe)}")] if direct else []
    key_fields += [("t_len", ">i4"), ("t", ">i8")]
    rows = np.empty(len(frame), dtype=np.dtype([("fields", ">i2"), *key_fields, *pgcopy.PRICE_FIELDS]))
    rows["fields"] = len(key_fields) // 2 + len(PRICE_COLUMNS)
    rows["id_len"], rows["id"] = 8, instrument_ids
    seconds = frame["time"].to_numpy(dtype=np.int64)
    if direct:
        rows["tf_len"], rows["tf"] = len(timeframe), timeframe.encode()
        rows["t"] = (seconds - pgcopy.EPOCH) * 1_000_000
    else:
        rows["t"] = seconds
    rows["t_len"] = 8
    for column in PRICE_COLUMNS:
        rows[f"{column}_len"] = 8
        rows[column] = frame[column].to_numpy(dtype=np.float64)
    return pgcopy.HEADER + rows.tobytes() + pgcopy.TRAILER


def _overlapping(timeframe: str, frames: dict[int, pd.DataFrame]) -> set[int]:
    """The instruments that already have a bar inside the time span of their incoming frame."""
    from django.db.models import Q

    spans = Q()
    for pk, frame in frames.items():
        first, last = (utc_from_epoch(int(frame["time"].iloc[i])) for i in (0, -1))
        spans |= Q(instrument_id=pk, time__range=(min(first, last), max(first, last)))
    return set(Bar.objects.filter(spans, timeframe=timeframe).values_list("instrument_id", flat=True).distinct())


def _upsert_postgres(timeframe: str, frames: dict[int, pd.DataFrame]) -> dict[int, int]:
    """Small batches: one INSERT ... VALUES ... ON CONFLICT that skips identical rows. Empty
    stretches: one binary COPY straight into market_bar. The rest: one binary COPY into a staging
    table, then the same INSERT ... ON CONFLICT from it."""
    if sum(len(f) for f in frames.values()) <= SMALL_BATCH_ROWS and all(f["time"].is_unique for f in frames.values()):
        return _upsert_values(timeframe, frames)
    overlapping = _overlapping(timeframe, frames)
    direct = {pk: f for pk, f in frames.items() if pk not in overlapping and f["time"].is_unique}
    staged = {pk: f for pk, f in frames.items() if pk not in direct}
    stored = {pk: len(f) for pk, f in direct.items()}
    with connection.cursor() as cursor:
        if direct:
            frame, ids = _stacked(direct)
            with cursor.cursor.copy("COPY market_bar (instrument_id, timeframe, time, open, high, low, close, volume)"
                                    " FROM STDIN WITH (FORMAT binary)") as copy:
                copy.write(_copy_binary(frame, instrument_ids=ids, timeframe=timeframe))
        if staged:
            frame, ids = _stacked(staged)
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS _incoming_bars "
                           "(i bigint, t bigint, o float8, h float8, l float8, c float8, v float8) "
                           "ON COMMIT DELETE ROWS")
            with cursor.cursor.copy("COPY _incoming_bars FROM STDIN WITH (FORMAT binary)") as copy:
                copy.write(_copy_binary(frame, instrument_ids=ids))
            cursor.execute(UPSERT_STAGED_SQL, [timeframe])
            for (pk,) in cursor.fetchall():
                stored[pk] = stored.get(pk, 0) + 1
            cursor.execute("TRUNCATE _incoming_bars")
    return stored


def _upsert_values(timeframe: str, frames: dict[int, pd.DataFrame]) -> dict[int, int]:
    frame, ids = _stacked(frames)
    columns = [ids.tolist(), frame["time"].astype("int64").tolist(), *(frame[c].tolist() for c in PRICE_COLUMNS)]
    params = [value for pk, t, *prices in zip(*columns, strict=True) for value in (pk, timeframe, t, *prices)]
    with connection.cursor() as cursor:
        cursor.execute("".join([UPSERT_VALUES_SQL, ", ".join([UPSERT_VALUES_ROW] * len(frame)), UPSERT_CONFLICT_SQL]),
                       params)
        return dict(Counter(pk for (pk,) in cursor.fetchall()))


def _stacked(frames: dict[int, pd.DataFrame]) -> tuple[pd.DataFrame, np.ndarray]:
    ids = np.concatenate([np.full(len(f), pk, dtype=np.int64) for pk, f in frames.items()])
    return pd.concat(frames.values(), ignore_index=True), ids


def bars_closed_emit(*, instrument: Instrument, timeframe: Timeframe | str, times: np.ndarray,
                     now: datetime | None = None) -> int:
    """Emit the closed-bar event of each bar whose period has ended at `now`, once ever; returns how many.

    One INSERT ... ON CONFLICT DO NOTHING RETURNING records the closes and tells which are new, so two
    ingesters of the same bar emit its event once."""
    timeframe = Timeframe(timeframe)
    now = now or datetime.now(tz=UTC)
    closed = [int(t) for t in np.asarray(times, dtype=np.int64) if t + timeframe.seconds <= now.timestamp()]
    if not closed:
        return 0
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(instrument.pk, timeframe.value, adapt(when), adapt(now))
            for when in _to_datetimes(np.asarray(closed, dtype=np.int64))]
    with connection.cursor() as cursor:
        cursor.execute("".join([BAR_CLOSE_INSERT_SQL, ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
                                BAR_CLOSE_CONFLICT_SQL]), [value for row in rows for value in row])
        emitted = sorted(int(datetime_from_row(stored).timestamp()) for (stored,) in cursor.fetchall())
    if emitted:
        transaction.on_commit(lambda: _send_bar_closed(instrument.pk, timeframe.value, emitted))
    return len(emitted)


BAR_CLOSE_INSERT_SQL = "INSERT INTO market_barclose (instrument_id, timeframe, time, emitted_at) VALUES "
BAR_CLOSE_CONFLICT_SQL = " ON CONFLICT (instrument_id, timeframe, time) DO NOTHING RETURNING time"


def _send_bar_closed(instrument_id: int, timeframe: str, times: list[int]) -> None:
    # A signature runs a task registered here as configured (eagerly in tests) and sends one known
    # only by name to the broker.
    for task_name in settings.BAR_CLOSED_TASKS:
        for when in times:
            current_app.signature(task_name, kwargs={"instrument_id": instrument_id, "timeframe": timeframe,
                                                     "time": when}).apply_async()


@transaction.atomic
def instrument_catalogue_load() -> int:
    """Create or update the instrument catalogue; returns how many instruments it holds."""
    from market.catalogue import INSTRUMENTS

    for spec in INSTRUMENTS:
        Instrument.objects.update_or_create(symbol=spec["symbol"],
                                            defaults={k: v for k, v in spec.items() if k != "symbol"})
    return len(INSTRUMENTS)


DEMO_HISTORY = [("GOOG", Timeframe.D1, "GOOG_D1.csv"), ("EURUSD", Timeframe.H1, "EURUSD_H1.csv"),
                ("BTCUSD", Timeframe.MN1, "BTCUSD_MN1.csv")]


def market_demo_seed(*, hold_back: int = 0) -> dict[str, IngestReport]:
    """The catalogue and the bundled real history; the newest `hold_back` bars (at most a fifth of a
    file) are left for the replay to play as live."""
    instrument_catalogue_load()
    reports = {}
    for symbol, timeframe, filename in DEMO_HISTORY:
        bars = BarArrays.from_csv(FIXTURES / filename)
        held = min(hold_back, len(bars) // 5)
        if held:
            bars = bars.upto(len(bars) - 1 - held)
        reports[symbol] = bars_ingest(instrument=Instrument.objects.get(symbol=symbol), timeframe=timeframe,
                                      bars=bars, source=f"bundled:{filename}")
    return reports


@dataclass
class CsvImportReport:
    """What an import did, with each bad row's line number (header is line 1) and reason."""

    rows: int
    ingest: IngestReport
    bad_lines: list[tuple[int, str, str]] = field(default_factory=list)


def bars_import_csv(*, instrument: Instrument, timeframe: Timeframe | str, source, name: str) -> CsvImportReport:
    """Import a CSV with columns time,open,high,low,close,volume; good rows are stored, bad rows
    are quarantined and reported by line number. Rerunnable: identical rows change nothing."""
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in ("time", *PRICE_COLUMNS) if c not in raw.columns]
    if missing:
        from config.errors import InvalidInput

        raise InvalidInput(f"The CSV lacks the column(s) {', '.join(missing)}.",
                           fields={"file": [f"Columns needed: time, {', '.join(PRICE_COLUMNS)}."]})
    times = pd.to_datetime(raw["time"], utc=True, errors="coerce", format="mixed")
    numbers = {c: pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
    unparseable = times.isna().to_numpy()
    bad_lines = [(int(i) + 2, "bad_time", f"time {raw['time'].iloc[i]!r} is not a date") for i in
                 np.flatnonzero(unparseable)]
    for i in np.flatnonzero(unparseable):
        QuarantinedBar.objects.create(instrument=instrument, timeframe=Timeframe(timeframe), time=None,
                                      raw=raw.iloc[int(i)].to_dict(), reason="bad_time",
                                      message=bad_lines[len(bad_lines) - 1][2][:300], source=name[:120])
    keep = np.flatnonzero(~unparseable)
    epoch = times[~unparseable].dt.as_unit("s").astype("int64").to_numpy()
    order = np.argsort(epoch, kind="stable")  # a file may list bars in any order; duplicates stay flagged
    rows, epoch = keep[order], epoch[order]
    bars = BarArrays(epoch, *(numbers[c][rows] for c in PRICE_COLUMNS))
    report = bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=name)
    bad_lines += [(int(rows[issue.index]) + 2, issue.reason, issue.message) for issue in report.issues]
    return CsvImportReport(rows=len(raw), ingest=report, bad_lines=sorted(bad_lines))


def provider_for(*, instrument: Instrument, name: str | None = None):
    """The provider of an instrument: ccxt for crypto, Alpha Vantage for stocks and forex, or by name."""
    from market.providers.alphavantage import AlphaVantageProvider
    from market.providers.bundled import BundledProvider
    from market.providers.crypto import CryptoProvider

    name = name or ("ccxt" if instrument.asset_class == "crypto" else "alphavantage")
    if name == "ccxt":
        return CryptoProvider(exchange_id=settings.MARKET_CRYPTO_EXCHANGE)
    if name == "alphavantage":
        return AlphaVantageProvider(api_key=settings.ALPHA_VANTAGE_API_KEY)
    if name == "bundled":
        return BundledProvider()
    from market.providers.base import ProviderError

    raise ProviderError(f"Unknown provider {name!r}; use ccxt, alphavantage or bundled.", permanent=True)


def bars_backfill(*, instrument: Instrument, timeframe: Timeframe | str, provider, since: datetime,
                  until: datetime | None = None) -> IngestReport:
    """Fetch history from `provider` and ingest it (no events: history is not news)."""
    until = until or datetime.now(tz=UTC)
    bars = provider.history(instrument.symbol, Timeframe(timeframe), int(since.timestamp()), int(until.timestamp()))
    return bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=f"{provider.name}:backfill")


def bars_poll(*, instrument: Instrument, timeframe: Timeframe | str, provider, now: datetime | None = None,
              lookback_bars: int = 500) -> IngestReport:
    """Fetch the bars closed since the newest stored one and ingest them, emitting closed-bar events."""
    from market.providers.base import closed_since

    timeframe = Timeframe(timeframe)
    now = now or datetime.now(tz=UTC)
    newest = bar_time_latest(instrument=instrument, timeframe=timeframe)
    since = int(newest.timestamp()) if newest else int(now.timestamp()) - lookback_bars * timeframe.seconds
    bars = closed_since(provider, instrument.symbol, timeframe, since, int(now.timestamp()))
    return bars_ingest(instrument=instrument, timeframe=timeframe, bars=bars, source=f"{provider.name}:poll",
                       emit_events=True, now=now)
