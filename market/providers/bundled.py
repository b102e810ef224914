"""The bundled real history (market/fixtures) as a provider: the same interface as the live ones."""

from __future__ import annotations

from pathlib import Path

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
        return bars.where((bars.time >= start) & (bars.time <= end))
