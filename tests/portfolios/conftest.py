"""Instruments and bars the paper-broker tests share: plain dataclasses, no database."""

from __future__ import annotations

from datetime import UTC, datetime

from market.arrays import InstrumentSpec
from portfolios.broker.matching import Bar, orders_match
from portfolios.broker.orders import Order

HOUR = 3600
SYN = InstrumentSpec("SYN", "stock", 0.01, 2, base_currency="SYN", quote_currency="USD", calendar="ALWAYS")
GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2, base_currency="GOOG", quote_currency="USD", venue="NASDAQ",
                      calendar="XNYS")
EURUSD = InstrumentSpec("EURUSD", "forex", 0.00001, 5, pip_size=0.0001, lot_size=100_000, base_currency="EUR",
                        quote_currency="USD", venue="OTC FX", calendar="FOREX")
USDJPY = InstrumentSpec("USDJPY", "forex", 0.001, 3, pip_size=0.01, lot_size=100_000, base_currency="USD",
                        quote_currency="JPY", venue="OTC FX", calendar="FOREX")
EURJPY = InstrumentSpec("EURJPY", "forex", 0.001, 3, pip_size=0.01, lot_size=100_000, base_currency="EUR",
                        quote_currency="JPY", venue="OTC FX", calendar="FOREX")
GBPUSD = InstrumentSpec("GBPUSD", "forex", 0.00001, 5, pip_size=0.0001, lot_size=100_000, base_currency="GBP",
                        quote_currency="USD", venue="OTC FX", calendar="FOREX")
BTCUSD = InstrumentSpec("BTCUSD", "crypto", 0.01, 2, base_currency="BTC", quote_currency="USD", venue="Coinbase",
                        calendar="ALWAYS")


def utc(text: str) -> int:
    """Epoch seconds of a UTC time written as text ("2024-01-08 21:00")."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def hourly(index: int, open_: float, high: float, low: float, close: float) -> Bar:
    """Bar number `index` of an hourly series starting at the epoch."""
    return Bar(index * HOUR, open_, high, low, close)


def run_bars(orders: list[Order], rows: list[tuple[float, float, float, float]], *, instrument=SYN, start: int = 1,
             **options):
    """Match `orders` over hourly bars numbered from `start`; returns (every order by id, fills)."""
    latest = {o.id: o for o in orders}
    fills = []
    for index, row in enumerate(rows, start=start):
        match = orders_match([o for o in latest.values() if o.is_open], hourly(index, *row), instrument=instrument,
                             time=(index + 1) * HOUR, **options)
        latest.update({o.id: o for o in match.orders})
        fills.extend(match.fills)
    return latest, fills
