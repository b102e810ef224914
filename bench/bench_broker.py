"""Paper broker speed on one core.

1. Mark-to-market of 10,000 portfolios x 20 positions (two account currencies, 60 instruments) per
   closed bar: `mark_to_market` on flat arrays, against two per-position Python loops in the same
   run, all checked to agree: (a) over plain tuples of numbers (the tightest loop), (b) over
   Position objects with the close and rate looked up by symbol and currency (as a loop over
   database rows would). Target: under 1 s.
2. Matching 10,000 open orders of one instrument (limits, stops, market orders and brackets) on one
   closed bar with `orders_match`.
Data are synthetic (seeded). Prints the median of RUNS runs of each.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from market.arrays import InstrumentSpec  # noqa: E402
from portfolios.broker.accounts import Position  # noqa: E402
from portfolios.broker.costs import STOCK_COSTS  # noqa: E402
from portfolios.broker.matching import Bar, orders_match  # noqa: E402
from portfolios.broker.orders import Order, OrderType, Side, Target, bracket_orders  # noqa: E402
from portfolios.broker.valuation import PositionArrays, mark_to_market  # noqa: E402

PORTFOLIOS, POSITIONS, INSTRUMENTS, CURRENCIES, ORDERS, RUNS = 10_000, 20, 60, 2, 10_000, 11
SPEC = InstrumentSpec("SYN", "stock", 0.01, 2, quote_currency="USD")


def synthetic_book(seed: int = 7):
    rng = np.random.default_rng(seed)
    rows = PORTFOLIOS * POSITIONS
    positions = PositionArrays(
        portfolio=np.repeat(np.arange(PORTFOLIOS, dtype=np.int64), POSITIONS),
        instrument=rng.integers(0, INSTRUMENTS, rows).astype(np.int64),
        quantity=np.round(rng.normal(0, 100, rows), 2),
        average_price=rng.uniform(10, 500, rows))
    close = positions.average_price.mean() * rng.uniform(0.5, 1.5, INSTRUMENTS)
    to_account = rng.uniform(0.5, 1.5, (CURRENCIES, INSTRUMENTS))
    cash = rng.uniform(1_000, 100_000, PORTFOLIOS)
    account_currency = rng.integers(0, CURRENCIES, PORTFOLIOS)
    return positions, close, to_account, cash, account_currency


def loop_equity(rows, close, to_account, cash, account_currency) -> list[float]:
    """The same marks, one position at a time in plain Python."""
    equity = list(cash)
    for portfolio, instrument, quantity, average in rows:
        rate = to_account[account_currency[portfolio]][instrument]
        equity[portfolio] += quantity * (close[instrument] - average) * rate
    return equity


def object_loop_equity(portfolios, close_by_symbol, rate_by_currency) -> list[float]:
    """The same marks over Position objects, the close and rate found by symbol and currency."""
    equity = []
    for cash, currency, positions in portfolios:
        total = cash
        for position in positions:
            rate = rate_by_currency[currency][position.symbol]
            total += position.quantity * (close_by_symbol[position.symbol] - position.average_price) * rate
        equity.append(total)
    return equity


def as_objects(positions: PositionArrays, close, to_account, cash, account_currency):
    symbols = [f"S{i:02d}" for i in range(INSTRUMENTS)]
    currencies = ["USD", "EUR"][:CURRENCIES]
    books: list[tuple[float, str, list[Position]]] = [(float(c), currencies[a], []) for c, a in
                                                      zip(cash, account_currency, strict=True)]
    for p, i, q, avg in zip(positions.portfolio.tolist(), positions.instrument.tolist(), positions.quantity.tolist(),
                            positions.average_price.tolist(), strict=True):
        books[p][2].append(Position(symbols[i], q, avg, float(close[i]), 0, 0))
    close_by_symbol = dict(zip(symbols, close.tolist(), strict=True))
    rate_by_currency = {c: dict(zip(symbols, to_account[n].tolist(), strict=True)) for n, c in enumerate(currencies)}
    return books, close_by_symbol, rate_by_currency


def median_seconds(*functions, runs: int = RUNS) -> list[float]:
    """The median time of each function; the runs alternate between them, so that a busy moment of
    the machine (its cores are shared) falls on all of them alike."""
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(runs):
        for function, times in zip(functions, timings, strict=True):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in timings]


def bench_mark_to_market() -> None:
    positions, close, to_account, cash, account_currency = synthetic_book()
    rows = list(zip(positions.portfolio.tolist(), positions.instrument.tolist(), positions.quantity.tolist(),
                    positions.average_price.tolist(), strict=True))
    plain = (close.tolist(), to_account.tolist(), cash.tolist(), account_currency.tolist())

    def vectorised():
        return mark_to_market(positions, close=close, to_account=to_account, cash=cash,
                              account_currency=account_currency)

    objects = as_objects(positions, close, to_account, cash, account_currency)
    np.testing.assert_allclose(vectorised().equity, loop_equity(rows, *plain), rtol=1e-9)
    np.testing.assert_allclose(vectorised().equity, object_loop_equity(*objects), rtol=1e-9)
    fast, tuples, dataclasses = median_seconds(vectorised, lambda: loop_equity(rows, *plain),
                                               lambda: object_loop_equity(*objects))
    print(f"mark-to-market, {PORTFOLIOS:,} portfolios x {POSITIONS} positions, median of {RUNS}:")
    print(f"  mark_to_market (numpy)                  {fast * 1000:8.1f} ms")
    print(f"  Python loop over tuples of numbers      {tuples * 1000:8.1f} ms   ratio {tuples / fast:5.1f}x")
    print(f"  Python loop over Position objects       {dataclasses * 1000:8.1f} ms   ratio {dataclasses / fast:5.1f}x")


def synthetic_orders(seed: int = 11) -> list[Order]:
    rng = np.random.default_rng(seed)
    orders: list[Order] = []
    while len(orders) < ORDERS:
        n = len(orders)
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        kind = rng.integers(0, 4)
        offset = round(float(rng.uniform(0.1, 3.0)), 2)
        if kind == 0:
            orders.append(Order(id=str(n), symbol="SYN", side=side, quantity=10, type=OrderType.LIMIT,
                                limit_price=round(100 - side.sign * offset, 2)))
        elif kind == 1:
            orders.append(Order(id=str(n), symbol="SYN", side=side, quantity=10, type=OrderType.STOP,
                                stop_price=round(100 + side.sign * offset, 2)))
        elif kind == 2:
            orders.append(Order(id=str(n), symbol="SYN", side=side, quantity=10))
        else:
            orders.extend(bracket_orders(id=str(n), symbol="SYN", side=side, quantity=10,
                                         stop=round(100 - side.sign * offset, 2),
                                         targets=[Target(round(100 + side.sign * offset, 2), 0.5),
                                                  Target(round(100 + side.sign * 2 * offset, 2), 0.5)],
                                         instrument=SPEC, created_at=0, reference_price=100.0))
    return orders


def bench_matching() -> None:
    orders = synthetic_orders()
    bar = Bar(3600, 100.0, 101.5, 98.7, 100.4)
    [seconds] = median_seconds(lambda: orders_match(orders, bar, instrument=SPEC, time=7200, costs=STOCK_COSTS))
    fills = len(orders_match(orders, bar, instrument=SPEC, time=7200, costs=STOCK_COSTS).fills)
    print(f"orders_match, {len(orders):,} open orders on one closed bar ({fills:,} fills), median of {RUNS}:")
    print(f"  {seconds * 1000:.1f} ms ({seconds / len(orders) * 1e6:.1f} us per order)")


if __name__ == "__main__":
    bench_mark_to_market()
    bench_matching()
