"""One interface for every source of bars (their errors are config.outbound.TransportError). No Django."""

from __future__ import annotations

from typing import Protocol, TypeAlias

import numpy as np

from market.arrays import BarArrays
from market.timeframes import Timeframe


class Provider(Protocol):
    name: str

    def history(self, symbol: str, timeframe: Timeframe, start: int, end: int) -> BarArrays:
        """Bars whose open time is in [start, end] (epoch s), oldest first, closed or not."""
        ...


def closed_since(provider: Provider, symbol: str, timeframe: Timeframe, since: int, now: int) -> BarArrays:
    """The bars opened after `since` whose period has ended at `now`: never a forming bar."""
    bars = provider.history(symbol, timeframe, since + 1, now)
    closed = np.flatnonzero(bars.time + timeframe.seconds <= now)
    return bars.upto(int(closed[-1])) if closed.size else bars.upto(-1)


# (time, open, high, low, close, volume): one bar as a provider reads it, time in epoch s.
BarRow: TypeAlias = tuple[int, float, float, float, float, float]


def bars_from_rows(rows: list[BarRow]) -> BarArrays:
    """BarArrays from (time, open, high, low, close, volume) rows in any order; the last of duplicates wins."""
    if not rows:
        empty = np.array([], dtype=np.float64)
        return BarArrays(np.array([], dtype=np.int64), empty, empty, empty, empty, empty)
    by_time = {int(r[0]): r for r in rows}
    ordered = [by_time[t] for t in sorted(by_time)]
    columns = list(zip(*ordered, strict=True))
    return BarArrays(np.array(columns[0], dtype=np.int64), *(np.array(c, dtype=np.float64) for c in columns[1:]))
