"""Reads of market data: the latest N bars of many instruments as arrays, in one query; reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import psycopg
from django.db import connection
from django.db.models import Count, Max, Q

from config.epoch import utc_from_epoch
from market import pgcopy
from market.arrays import PRICE_COLUMNS, BarArrays
from market.models import Bar, Instrument, QuarantinedBar
from market.timeframes import Timeframe
from market.validation import Gap, gaps

LATEST_POSTGRES = """
SELECT string_agg(int8send(i.id) || timestamptz_send(b.time) || float8send(b.open) || float8send(b.high)
                  || float8send(b.low) || float8send(b.close) || float8send(b.volume), ''::bytea)
FROM unnest(%s::bigint[]) AS i(id)
CROSS JOIN LATERAL (
  SELECT time, open, high, low, close, volume FROM market_bar
  WHERE instrument_id = i.id AND timeframe = %s AND time <= %s
  ORDER BY time DESC LIMIT %s
) b
"""
# The rows come back packed by the server as one binary value of fixed 56-byte records (id, time in
# microseconds from 2000-01-01, then the prices, in network byte order), which numpy reads in place: a
# binary COPY of the same rows hands psycopg one message per row (152,000 for a close of 1,000
# instruments), which cost twice the time (measured with bench/bench_alerts.py).
LATEST_ROW = np.dtype([("id", ">i8"), ("time", ">i8"), *((c, ">f8") for c in PRICE_COLUMNS)])

LATEST_PORTABLE = """
SELECT instrument_id, time, open, high, low, close, volume FROM (
  SELECT instrument_id, time, open, high, low, close, volume,
         ROW_NUMBER() OVER (PARTITION BY instrument_id ORDER BY time DESC) AS newest
  FROM market_bar WHERE timeframe = %s AND time <= %s AND instrument_id IN ({ids})
) ranked WHERE newest <= %s
"""


def bar_time_latest(*, instrument: Instrument, timeframe: Timeframe | str) -> datetime | None:
    """The open time (UTC) of the newest stored bar of the instrument and timeframe; None without bars."""
    return (Bar.objects.filter(instrument=instrument, timeframe=Timeframe(timeframe)).order_by("-time")
            .values_list("time", flat=True).first())


def bars_latest_arrays(*, instrument_ids: list[int], timeframe: Timeframe | str, count: int,
                       until: datetime | None = None) -> dict[int, BarArrays]:
    """The newest `count` bars at or before `until` of each instrument, oldest first, in one query."""
    if not instrument_ids:
        return {}
    until = until or datetime.now(tz=UTC)
    timeframe = Timeframe(timeframe).value
    if connection.vendor == "postgresql":
        ids, times, prices = _latest_postgres(instrument_ids, timeframe, until, count)
    else:
        ids, times, prices = _latest_portable(instrument_ids, timeframe, until, count)
    return _arrays_by_instrument(ids, times, prices)


def _latest_postgres(ids: list[int], timeframe: str, until: datetime, count: int):
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:  # binary results
        cursor.execute(LATEST_POSTGRES, [list(ids), timeframe, until, count], binary=True)
        (packed,) = cursor.fetchone() or (None,)
    rows = np.frombuffer(packed or b"", dtype=LATEST_ROW)
    times = rows["time"] // 1_000_000 + pgcopy.EPOCH
    return rows["id"].astype(np.int64), times, {c: rows[c].astype(np.float64) for c in PRICE_COLUMNS}


def _latest_portable(ids: list[int], timeframe: str, until: datetime, count: int):
    placeholders = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(LATEST_PORTABLE.format(ids=placeholders), [timeframe, until, *ids, count])
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["id", "time", *PRICE_COLUMNS])
    times = pd.to_datetime(frame["time"], utc=True).dt.as_unit("s").astype("int64").to_numpy()
    return frame["id"].to_numpy(dtype=np.int64), times, {c: frame[c].to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}


def _arrays_by_instrument(ids: np.ndarray, times: np.ndarray, prices: dict[str, np.ndarray]) -> dict[int, BarArrays]:
    order = np.lexsort((times, ids))
    ids, times = ids[order], times[order]
    prices = {c: prices[c][order] for c in PRICE_COLUMNS}
    bounds = np.flatnonzero(np.diff(ids)) + 1
    starts, ends = np.concatenate(([0], bounds)), np.concatenate((bounds, [len(ids)]))
    return {
        int(ids[s]): BarArrays(times[s:e], *(prices[c][s:e] for c in PRICE_COLUMNS))
        for s, e in zip(starts, ends, strict=True) if e > s
    }


@dataclass(frozen=True)
class GapSpan:
    """A calendar gap in stored bars, in UTC: `missing` bars expected between `after` and `before`."""

    after: datetime
    before: datetime
    missing: int

    @classmethod
    def from_gap(cls, gap: Gap) -> GapSpan:
        return cls(after=utc_from_epoch(gap.after), before=utc_from_epoch(gap.before), missing=gap.missing)


@dataclass(frozen=True)
class DataQualityReport:
    instrument: Instrument
    timeframe: str
    bars: int
    first: datetime | None
    last: datetime | None
    gaps: list[GapSpan]
    quarantined: list[QuarantinedBar]


def data_quality_report(*, instrument: Instrument) -> list[DataQualityReport]:
    """Per timeframe of the instrument: bar count and range, calendar gaps, quarantined bars."""
    reports = []
    timeframes = set(Bar.objects.filter(instrument=instrument).values_list("timeframe", flat=True).distinct())
    timeframes |= set(QuarantinedBar.objects.filter(instrument=instrument).order_by()
                      .values_list("timeframe", flat=True).distinct())
    for timeframe in sorted(timeframes):
        times = np.array([int(t.timestamp()) for t in Bar.objects.filter(instrument=instrument, timeframe=timeframe)
                          .order_by("time").values_list("time", flat=True)], dtype=np.int64)
        reports.append(DataQualityReport(
            instrument=instrument, timeframe=timeframe, bars=len(times),
            first=utc_from_epoch(int(times[0])) if len(times) else None,
            last=utc_from_epoch(int(times[-1])) if len(times) else None,
            gaps=[GapSpan.from_gap(gap) for gap in gaps(times, calendar=instrument.calendar,
                                                         timeframe=Timeframe(timeframe))] if len(times) else [],
            quarantined=list(QuarantinedBar.objects.filter(instrument=instrument, timeframe=timeframe)
                             .order_by("time")),
        ))
    return reports


@dataclass(frozen=True)
class MarketRow:
    instrument: Instrument
    timeframe: str
    bars: int
    last_time: datetime
    last_close: float
    change_pct: float
    sparkline: str  # SVG polyline points of the last closes, 0..100 x 0..30


def market_overview(*, sparkline_bars: int = 60) -> list[MarketRow]:
    """One row per (instrument, timeframe) with stored bars."""
    rows = []
    pairs = (Bar.objects.values("instrument_id", "timeframe").annotate(n=Count("id"), newest=Max("time"))
             .order_by("instrument_id", "timeframe"))
    instruments = Instrument.objects.in_bulk([p["instrument_id"] for p in pairs])
    for pair in pairs:
        closes = list(Bar.objects.filter(instrument_id=pair["instrument_id"], timeframe=pair["timeframe"])
                      .order_by("-time").values_list("close", flat=True)[:sparkline_bars])[::-1]
        low, high = min(closes), max(closes)
        span = (high - low) or 1.0
        points = " ".join(f"{100 * i / max(len(closes) - 1, 1):.1f},{30 - 30 * (c - low) / span:.1f}"
                          for i, c in enumerate(closes))
        previous = closes[-2] if len(closes) > 1 else closes[-1]
        rows.append(MarketRow(instrument=instruments[pair["instrument_id"]], timeframe=pair["timeframe"],
                              bars=pair["n"], last_time=pair["newest"], last_close=closes[-1],
                              change_pct=100 * (closes[-1] - previous) / previous, sparkline=points))
    return rows


def instrument_list(*, asset_class: str | None = None, search: str | None = None):
    """Active instruments of the catalogue, of one asset class and matching `search` (part of the
    symbol or name, any case) when given."""
    instruments = Instrument.objects.filter(active=True)
    if asset_class:
        instruments = instruments.filter(asset_class=asset_class)
    if search:
        instruments = instruments.filter(Q(symbol__icontains=search) | Q(display_name__icontains=search))
    return instruments


def instrument_get(*, symbol: str) -> Instrument | None:
    """The instrument with this symbol (any case), active or not; None if there is none."""
    return Instrument.objects.filter(symbol=symbol.upper()).first()


def bar_list_closed(*, instrument: Instrument, timeframe: Timeframe | str, now: datetime,
                    start: datetime | None = None, end: datetime | None = None, limit: int) -> list[tuple]:
    """Up to `limit` closed bars (time, open, high, low, close, volume) of the instrument and timeframe
    opening in [start, end), oldest first. A bar is closed once its period has passed (open time plus
    the timeframe's length at or before `now`), the engine's rule; one query."""
    timeframe = Timeframe(timeframe)
    bars = Bar.objects.filter(instrument=instrument, timeframe=timeframe.value,
                              time__lte=now - timedelta(seconds=timeframe.seconds))
    if start is not None:
        bars = bars.filter(time__gte=start)
    if end is not None:
        bars = bars.filter(time__lt=end)
    return list(bars.order_by("time").values_list("time", "open", "high", "low", "close", "volume")[:limit])
