"""Replay: stream bundled history as if it were live, one closed bar at a time.

Each step ingests the next bar of the file after the newest one stored, as closed at the end of
its period, so closed-bar events reach the engine and alerts as they would from a live provider.
Clock and sleep are arguments, so a test replays instantly.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable

import numpy as np

from config.epoch import utc_from_epoch
from market.arrays import BarArrays
from market.models import Instrument
from market.selectors import bar_time_latest
from market.services import bars_ingest
from market.timeframes import Timeframe


def replay_next(*, instrument: Instrument, timeframe: Timeframe | str, history: BarArrays) -> int | None:
    """Ingest the next bar of `history` after the newest stored one; its time, or None when done."""
    timeframe = Timeframe(timeframe)
    newest = bar_time_latest(instrument=instrument, timeframe=timeframe)
    start = 0 if newest is None else int(np.searchsorted(history.time, int(newest.timestamp()), side="right"))
    if start >= len(history):
        return None
    bar = history.upto(start).tail(1)
    closes_at = utc_from_epoch(int(bar.time[0]) + timeframe.seconds)
    bars_ingest(instrument=instrument, timeframe=timeframe, bars=bar, source="replay", emit_events=True,
                now=closes_at)
    return int(bar.time[0])


def replay_run(*, instrument: Instrument, timeframe: Timeframe | str, history: BarArrays, speed: float,
               max_bars: int | None = None, sleep: Callable[[float], None] = clock.sleep) -> int:
    """Replay at `speed` times real time (3600 plays an hourly bar a second); returns bars replayed."""
    timeframe = Timeframe(timeframe)
    replayed = 0
    while max_bars is None or replayed < max_bars:
        if replay_next(instrument=instrument, timeframe=timeframe, history=history) is None:
            break
        replayed += 1
        sleep(timeframe.seconds / speed)
    return replayed
