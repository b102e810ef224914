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
