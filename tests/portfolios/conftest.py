"""What the paper-broker tests share: instruments and bars as plain dataclasses (the pure core), and for the
Django side the catalogue, alice's portfolio and a tape that stores and processes closed bars."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from market.arrays import InstrumentSpec
from market.models import Bar as BarRow
from market.models import Instrument
from market.services import instrument_catalogue_load
from portfolios import processing
from portfolios.books import utc as utc_time
from portfolios.broker.matching import Bar, orders_match
from portfolios.broker.orders import Order
from portfolios.services import OrderRequest, portfolio_create
from tests.alerts.conftest import subscribe
from watchlists.actors import Actor

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


# --- The Django side: instruments of the catalogue, bars stored and processed, portfolios of alice ---------



DAY = 86_400
START = utc("2024-01-01 00:00")  # a Monday


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def alice_actor(alice, tenant_a, catalogue) -> Actor:
    subscribe(tenant_a, "pro")  # 5 paper portfolios
    return Actor.member(tenant=tenant_a, user=alice, manages=True)


@pytest.fixture
def bob_actor(bob, tenant_a, alice_actor) -> Actor:
    return Actor.member(tenant=tenant_a, user=bob, manages=False)


@pytest.fixture
def charlie_actor(charlie, tenant_b, catalogue) -> Actor:
    return Actor.member(tenant=tenant_b, user=charlie, manages=True)


@pytest.fixture
def portfolio(alice_actor):
    return portfolio_create(actor=alice_actor, name="Main", starting_balance=100_000)


class Tape:
    """Bars of one instrument and timeframe stored one after the other, each processed as its close."""

    def __init__(self, symbol: str, timeframe: str = "H1", start: int = START):
        self.instrument = Instrument.objects.get(symbol=symbol)
        self.timeframe = timeframe
        self.seconds = {"H1": 3600, "D1": DAY, "MN1": 30 * DAY}[timeframe]
        self.next_time = start

    def bar(self, open_: float, high: float, low: float, close: float, *, process: bool = True):
        time = utc_time(self.next_time)
        BarRow.objects.create(instrument=self.instrument, timeframe=self.timeframe, time=time, open=open_, high=high,
                              low=low, close=close, volume=1000)
        self.next_time += self.seconds
        if process:
            return processing.bar_closed_process(instrument_id=self.instrument.pk, timeframe=self.timeframe,
                                                 bar_time=time)
        return None


@pytest.fixture
def tape(catalogue):
    return Tape


def order(symbol: str, side: str, quantity, **fields) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=side, quantity=quantity, **fields)
