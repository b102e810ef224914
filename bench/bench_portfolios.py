"""Paper portfolios, the Django side, per closed bar on PostgreSQL (DATABASE_URL must point at one; the bench
uses its own throwaway database).

1,000 portfolios (10 tenants) hold 20 positions each on USD-quoted instruments of the catalogue, every one
holding the instrument whose bar closes. Medians over RUNS of portfolios.processing.bar_closed_process
(what the `portfolios` queue's task runs) for one closed bar:
1. Marks only: no order works on the instrument; all 1,000 portfolios are marked to market (one UPDATE of the
   positions, the 20,000 positions read, broker.valuation.mark_to_market, 1,000 portfolios updated and
   1,000 equity points inserted).
2. Fills and marks: each portfolio also works a bracket on the instrument (a market entry, a stop and three
   targets: 5,000 open orders), so 1,000 entries fill through the pure broker and are booked (orders,
   fills, cash, positions) before the same marks.
3. Baseline in the same run: case 2's portfolios processed one at a time as a plain per-portfolio loop would
   (book_on_bars, then its own equity sum and one equity point each), without the vectorised mark.
Each run uses a new bar (the next hour) and new brackets; the setup is not timed; RUNS comes from the
environment (default 2). The feed sends after the commit go to the in-memory channel layer. Data are
synthetic (seeded) and labelled so.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")
os.environ.pop("REDIS_URL", None)  # the in-memory channel layer and cache: the bench measures the database side
TENANTS, PORTFOLIOS_EACH, POSITIONS = 10, 100, 20
RUNS = int(os.environ.get("RUNS", "2"))
START = 1_704_067_200  # 2024-01-01 00:00 UTC


def main() -> None:
    import django

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_portfolios needs DATABASE_URL=postgres://...")
    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def run() -> None:
    import numpy as np

    from accounts.models import Tenant
    from market.models import Instrument
    from market.services import instrument_catalogue_load
    from portfolios.models import PaperPosition, Portfolio

    rng = np.random.default_rng(18)
    instrument_catalogue_load()
    instruments = list(Instrument.objects.filter(quote_currency="USD", asset_class__in=["stock", "crypto"]))
    target = next(i for i in instruments if i.symbol == "BTCUSD")
    others = [i for i in instruments if i.pk != target.pk]
    tenants = Tenant.objects.bulk_create([Tenant(name=f"Bench {n} (synthetic)", slug=f"bench-{n}")
                                          for n in range(TENANTS)])
    portfolios = Portfolio.objects.bulk_create([
        Portfolio(tenant=tenant, name=f"Synthetic {n}", cash=100_000.0, equity=100_000.0, starting_balance=100_000.0)
        for tenant in tenants for n in range(PORTFOLIOS_EACH)])
    rows = []
    for portfolio in portfolios:
        held = [target, *rng.choice(others, size=min(POSITIONS - 1, len(others)), replace=False)]
        for instrument in held:
            price = float(rng.uniform(50, 500))
            rows.append(PaperPosition(portfolio=portfolio, instrument=instrument,
                                      quantity=float(rng.integers(1, 50) * (1 if instrument == target
                                                                            else rng.choice([-1, 1]))),
                                      average_price=price,
                                      last_price=price, opened_at=START - 3600, swap_through=START - 3600,
                                      high_seen=price, low_seen=price, entry_quantity=1.0))
    PaperPosition.objects.bulk_create(rows, batch_size=5000)
    print(f"{len(portfolios)} portfolios x {POSITIONS} positions ({len(rows)} rows, synthetic), "
          f"{len(instruments)} instruments; load average before: {os.getloadavg()[0]:.2f}")
    marks, fills, loop = [], [], []
    for n in range(RUNS):
        _orders_clear()
        marks.append(timed_bar(target, START + 3 * n * 3600, brackets=False, portfolios=portfolios))
        fills.append(timed_bar(target, START + (3 * n + 1) * 3600, brackets=True, portfolios=portfolios))
        _orders_clear()
        loop.append(timed_loop(target, START + (3 * n + 2) * 3600, portfolios=portfolios))
        print(f"run {n + 1}: marks {marks[-1] * 1000:.0f} ms, fills and marks {fills[-1] * 1000:.0f} ms, "
              f"loop {loop[-1] * 1000:.0f} ms", flush=True)
    report("1. marks only (1,000 portfolios marked, 1,000 equity points)", marks)
    report("2. fills and marks (1,000 brackets: 5,000 open orders, 1,000 entries filled and booked)", fills)
    report("3. baseline: case 2 one portfolio at a time (book_on_bars + its own marks)", loop)
    print(f"fills and marks vs the per-portfolio loop: {statistics.median(loop) / statistics.median(fills):.1f}x "
          f"faster; load average after: {os.getloadavg()[0]:.2f}")


def _orders_clear() -> None:
    """The brackets' exits still working cancelled (not timed), so each case starts with the orders it names."""
    from portfolios.models import PaperOrder

    PaperOrder.objects.filter(status__in=["pending", "working"]).update(status="cancelled")


def report(name: str, seconds: list[float]) -> None:
    print(f"{name}: median {statistics.median(seconds) * 1000:.0f} ms "
          f"(runs: {', '.join(f'{s * 1000:.0f}' for s in seconds)} ms)")


def _bar(instrument, time_s: int):
    from market.models import Bar
    from portfolios.books import utc

    price = 300.0
    return Bar.objects.create(instrument=instrument, timeframe="H1", time=utc(time_s), open=price, high=price * 1.01,
                              low=price * 0.99, close=price * 1.002, volume=1)


def _brackets(instrument, time_s: int, portfolios) -> None:
    from portfolios.books import instrument_spec, order_row_from
    from portfolios.broker.orders import Side, Target, bracket_orders
    from portfolios.models import PaperOrder

    spec = instrument_spec(instrument)
    rows = []
    for portfolio in portfolios:
        orders = bracket_orders(id=f"b{portfolio.pk}-{time_s}", symbol=spec.symbol, side=Side.BUY, quantity=3.0,
                                stop=250.0, targets=[Target(320.0, 1 / 3), Target(340.0, 1 / 3), Target(360.0, 1 / 3)],
                                instrument=spec, created_at=time_s, reference_price=300.0)
        rows += [order_row_from(o, portfolio=portfolio, instrument=instrument, timeframe="H1") for o in orders]
    PaperOrder.objects.bulk_create(rows, batch_size=5000)


def timed_bar(instrument, time_s: int, *, brackets: bool, portfolios) -> float:
    from portfolios.processing import bar_closed_process

    bar = _bar(instrument, time_s)
    if brackets:
        _brackets(instrument, time_s, portfolios)
    started = time.perf_counter()
    report = bar_closed_process(instrument_id=instrument.pk, timeframe="H1", bar_time=bar.time)
    elapsed = time.perf_counter() - started
    assert report is not None and report.portfolios_marked == len(portfolios), report
    assert report.fills == (len(portfolios) if brackets else 0), report
    return elapsed


def timed_loop(instrument, time_s: int, *, portfolios) -> float:
    """The same work as case 2 as a plain loop: each portfolio read, stepped and stored on its own."""
    from django.db import transaction

    from portfolios.books import bar_of, book_of, epoch, market_for, order_row_update, utc
    from portfolios.broker.accounts import book_on_bars
    from portfolios.models import EquityPoint, PaperOrder, PaperPosition, Portfolio

    bar = _bar(instrument, time_s)
    _brackets(instrument, time_s, portfolios)
    broker_bar = bar_of(bar)
    close_time = epoch(bar.time) + 3600
    started = time.perf_counter()
    with transaction.atomic():
        for portfolio in Portfolio.objects.filter(pk__in=[p.pk for p in portfolios]).order_by("pk"):
            positions = list(PaperPosition.objects.filter(portfolio=portfolio).select_related("instrument"))
            orders = list(PaperOrder.objects.filter(portfolio=portfolio, instrument=instrument,
                                                    status__in=["pending", "working"]).select_related("instrument"))
            market = market_for(({p.instrument.symbol: p.instrument for p in positions}
                                 | {instrument.symbol: instrument}).values())
            step = book_on_bars(book_of(portfolio, positions=positions, orders=orders),
                                {instrument.symbol: broker_bar}, time=close_time, market=market)
            after = {o.id: o for o in (*step.book.orders, *step.closed_orders)}
            for row in orders:
                order_row_update(row, after[row.ref])
                row.save()
            for position in positions:
                if position.instrument.symbol in step.book.positions:
                    held = step.book.positions[position.instrument.symbol]
                    position.quantity, position.last_price = held.quantity, held.last_price
                    position.save(update_fields=["quantity", "last_price"])
            portfolio.cash, portfolio.equity = step.book.account.cash, step.book.account.equity
            portfolio.save(update_fields=["cash", "equity"])
            EquityPoint.objects.create(portfolio=portfolio, time=utc(close_time), equity=portfolio.equity,
                                       cash=portfolio.cash, unrealized_pnl=0.0, gross_exposure=0.0)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
