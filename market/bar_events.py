"""Closed-bar events: each bar whose period has ended is announced once, to the tasks in
settings.BAR_CLOSED_TASKS (the engine, alerts, outcomes ...), after the transaction commits."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import connection, transaction

from config.epoch import utc_from_epoch
from config.sql import datetime_from_row
from market.models import Instrument
from market.timeframes import Timeframe


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
    rows = [(instrument.pk, timeframe.value, adapt(utc_from_epoch(when)), adapt(now)) for when in closed]
    with connection.cursor() as cursor:
        cursor.execute("".join([BAR_CLOSE_INSERT_SQL, ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
                                BAR_CLOSE_CONFLICT_SQL]), [value for row in rows for value in row])
        closes = [datetime_from_row(stored) for (stored,) in cursor.fetchall()]
        emitted = sorted(int(close.timestamp()) for close in closes if close is not None)  # `time` is NOT NULL
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
