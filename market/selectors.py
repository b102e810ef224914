"""Reads of market data: the latest N bars of many instruments as arrays, in one query; reports."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from django.db import connection

from market.arrays import BarArrays
from market.models import Bar, Instrument, QuarantinedBar
from market.timeframes import Timeframe
from market.validation import Gap, gaps

LATEST_POSTGRES = """
COPY (
  SELECT i.id, extract(epoch FROM b.time)::bigint, b.open, b.high, b.low, b.close, b.volume
  FROM unnest(%s::bigint[]) AS i(id)
  CROSS JOIN LATERAL (
    SELECT time, open, high, low, close, volume FROM market_bar
    WHERE instrument_id = i.id AND timeframe = %s AND time <= %s
    ORDER BY time DESC LIMIT %s
  ) b
) TO STDOUT WITH (FORMAT csv)
"""

LATEST_PORTABLE = """
SELECT instrument_id, time, open, high, low, close, volume FROM (
  SELECT instrument_id, time, open, high, low, close, volume,
         ROW_NUMBER() OVER (PARTITION BY instrument_id ORDER BY time DESC) AS newest
  FROM market_bar WHERE timeframe = %s AND time <= %s AND instrument_id IN ({ids})
) ranked WHERE newest <= %s
"""


def bars_latest_arrays(*, instrument_ids: list[int], timeframe: Timeframe | str, count: int,
                       until: datetime | None = None) -> dict[int, BarArrays]:
    """The newest `count` bars at or before `until` of each instrument, oldest first, in one query."""
    if not instrument_ids:
        return {}
    until = until or datetime.now(tz=UTC)
    timeframe = Timeframe(timeframe).value
    if connection.vendor == "postgresql":
        frame = _latest_postgres(instrument_ids, timeframe, until, count)
    else:
        frame = _latest_portable(instrument_ids, timeframe, until, count)
    return _arrays_by_instrument(frame)


def _latest_postgres(ids: list[int], timeframe: str, until: datetime, count: int) -> pd.DataFrame:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(LATEST_POSTGRES, [list(ids), timeframe, until, count]) as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    return pd.read_csv(buffer, header=None, names=["id", "time", "open", "high", "low", "close", "volume"],
                       dtype={"id": np.int64, "time": np.int64}, engine="c")


def _latest_portable(ids: list[int], timeframe: str, until: datetime, count: int) -> pd.DataFrame:
    placeholders = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(LATEST_PORTABLE.format(ids=placeholders), [timeframe, until, *ids, count])
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["id", "time", "open", "high", "low", "close", "volume"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.as_unit("s").astype("int64")
    return frame


def _arrays_by_instrument(frame: pd.DataFrame) -> dict[int, BarArrays]:
    frame = frame.sort_values(["id", "time"], kind="stable")
    ids = frame["id"].to_numpy()
    columns = {c: frame[c].to_numpy(dtype=np.float64) for c in ("open", "high", "low", "close", "volume")}
    times = frame["time"].to_numpy(dtype=np.int64)
    bounds = np.flatnonzero(np.diff(ids)) + 1
    starts, ends = np.concatenate(([0], bounds)), np.concatenate((bounds, [len(ids)]))
    return {
        int(ids[s]): BarArrays(times[s:e], *(columns[c][s:e] for c in ("open", "high", "low", "close", "volume")))
        for s, e in zip(starts, ends, strict=True) if e > s
    }


@dataclass(frozen=True)
class DataQualityReport:
    instrument: Instrument
    timeframe: str
    bars: int
    first: datetime | None
    last: datetime | None
    gaps: list[Gap]
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
            first=datetime.fromtimestamp(times[0], tz=UTC) if len(times) else None,
            last=datetime.fromtimestamp(times[-1], tz=UTC) if len(times) else None,
            gaps=gaps(times, calendar=instrument.calendar, timeframe=Timeframe(timeframe)) if len(times) else [],
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
    from django.db.models import Count, Max

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
