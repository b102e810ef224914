"""Storing validated bars: an idempotent upsert into market_bar that skips identical rows.

PostgreSQL: small batches as one INSERT ... VALUES ... ON CONFLICT; stretches with no stored bars as
one binary COPY straight into market_bar; the rest as a binary COPY into a staging table, then the
same INSERT ... ON CONFLICT from it. Other databases: bulk_create with update_conflicts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Q

from config.epoch import utc_from_epoch
from market import pgcopy
from market.arrays import PRICE_COLUMNS
from market.models import Bar


def bars_upsert(*, timeframe: str, frames: dict[int, pd.DataFrame]) -> dict[int, int]:
    """Store each instrument's frame (columns time in epoch s, open, high, low, close, volume) of one
    timeframe; returns, per instrument id, how many rows it inserted or changed (identical rows: none)."""
    frames = {pk: frame for pk, frame in frames.items() if not frame.empty}
    if not frames:
        return {}
    if connection.vendor == "postgresql":
        return _upsert_postgres(timeframe, frames)
    return {pk: _upsert_portable(pk, timeframe, frame) for pk, frame in frames.items()}


def _upsert_portable(instrument_id: int, timeframe: str, frame: pd.DataFrame) -> int:
    objects = [Bar(instrument_id=instrument_id, timeframe=timeframe, time=utc_from_epoch(int(t)),
                   **dict(zip(PRICE_COLUMNS, row, strict=True)))
               for t, row in zip(frame["time"].to_numpy(),
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
