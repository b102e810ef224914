"""The bundled real history (market/fixtures) as a provider: the same interface as the live ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from config.outbound import TransportError
from market.arrays import BarArrays
from market.timeframes import Timeframe

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class BundledProvider:
    name = "bundled"

    def history(self, symbol: str, timeframe: Timeframe, start: int, end: int) -> BarArrays:
        path = FIXTURES / f"{symbol}_{Timeframe(timeframe).value}.csv"
        if not path.exists():
            raise TransportError(f"No bundled history for {symbol} {timeframe}.", permanent=True)
        bars = BarArrays.from_csv(path)
        keep = np.flatnonzero((bars.time >= start) & (bars.time <= end))
        return BarArrays(*(a[keep] for a in (bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume)))
