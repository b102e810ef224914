"""Bars and instrument facts as plain arrays and dataclasses: what the pure core reads.

No Django here: the engine, backtests and benchmarks import this module directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")  # the float64 fields of BarArrays, in order

# The array types of the core: prices, volumes and indicator values; epoch seconds and positions; masks.
FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class BarArrays:
    """OHLCV of one instrument and timeframe, oldest first.

    `time` is the bar's open time in UTC as int64 epoch seconds, strictly increasing; prices and
    volume are float64. Only closed bars belong here.
    """

    time: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.time.shape[0])

    def upto(self, index: int) -> BarArrays:
        """The bars up to and including position `index` (what was known when that bar closed)."""
        end = index + 1
        return BarArrays(self.time[:end], self.open[:end], self.high[:end], self.low[:end],
                         self.close[:end], self.volume[:end])

    def where(self, keep: BoolArray) -> BarArrays:
        """The bars where the boolean mask `keep` (one entry per bar) is True, in their order."""
        return BarArrays(self.time[keep], self.open[keep], self.high[keep], self.low[keep], self.close[keep],
                         self.volume[keep])

    def tail(self, count: int) -> BarArrays:
        """The newest `count` bars."""
        start = max(len(self) - count, 0)
        return BarArrays(self.time[start:], self.open[start:], self.high[start:], self.low[start:],
                         self.close[start:], self.volume[start:])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> BarArrays:
        """From a frame with columns time (datetime-like or epoch seconds), open, high, low, close, volume."""
        time = frame["time"]
        if not pd.api.types.is_integer_dtype(time):
            time = pd.to_datetime(time, utc=True).dt.as_unit("s").astype("int64")
        as_f64 = {c: frame[c].to_numpy(dtype=np.float64) for c in PRICE_COLUMNS}
        return cls(time=np.asarray(time, dtype=np.int64), **as_f64)

    @classmethod
    def from_csv(cls, path: str | PathLike[str]) -> BarArrays:
        return cls.from_frame(pd.read_csv(path))


@dataclass(frozen=True)
class InstrumentSpec:
    """What the core needs to know of an instrument to size and round a signal, and to fill an order."""

    symbol: str
    asset_class: str  # "stock" | "forex" | "crypto"
    tick_size: float
    price_precision: int
    pip_size: float | None = None  # forex only: 0.0001, or 0.01 for JPY pairs
    lot_size: float = 1.0  # units per lot or contract (100,000 for forex)
    # What the paper broker also reads (the same fields as market.models.Instrument):
    base_currency: str = ""
    quote_currency: str = "USD"  # prices, and so P&L, are in this currency
    venue: str = ""  # e.g. NASDAQ, OTC FX, Coinbase: picks the default costs
    calendar: str = "ALWAYS"  # a market.calendars name: "XNYS" | "FOREX" | "ALWAYS"
    quantity_step: float | None = None  # smallest quantity increment in units; None: the broker's default
