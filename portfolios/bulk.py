"""A closed bar for every portfolio at once, set-based: a few statements per bar, however many portfolios.

- `orders_fill`: the open orders of the bar's instrument and timeframe in every portfolio read in one
  query (their portfolios locked first, in id order), matched by the pure broker in one call, and what
  it did stored with one statement per kind of row (orders, fills, cash entries, positions, trades,
  portfolios' cash).
- `portfolios_mark`: every portfolio holding the instrument (and those just booked) marked to market:
  one UPDATE of the instrument's positions, the forex swaps of the rollovers passed charged, the
  positions of those portfolios read in one query and valued on arrays (broker.valuation), then the
  portfolios updated in one statement and their equity points inserted in one.

The per-portfolio path of portfolios.processing books the same (a test compares them on a mixed bar).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import cast

import numpy as np
from django.db import connection, models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest, Least

from market.models import Bar, Instrument
from portfolios.books import (
    ORDER_STATE_FIELDS,
    bar_of,
    instrument_spec,
    market_for,
    order_from_row,
    order_row_update,
    position_from_row,
    rate_to,
    utc,
)
from portfolios.broker.accounts import DAY_SECONDS, fills_book
from portfolios.broker.costs import rollover_nights, swap_amount
from portfolios.broker.matching import Fill, orders_match
from portfolios.broker.valuation import PositionArrays, mark_to_market
from portfolios.models import (
    OPEN_ORDER_STATUSES,
    CashEntry,
    EquityPoint,
    PaperFill,
    PaperOrder,
    PaperPosition,
    Portfolio,
    Trade,
)
from portfolios.position_walk import POSITION_WALK_FIELDS, position_fills_walk

SQLITE_PARAMETERS = 30_000  # bound parameters per statement: SQLite takes at most 32,766


def rows_update(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Store `fields` of `rows` (saved rows of `model`) with one UPDATE ... FROM per batch. Django's
    bulk_update writes a CASE of every row into every field, which costs seconds at thousands of rows.
    PostgreSQL gets each column as one array (UNNEST), SQLite a VALUES list."""
    if not rows:
        return
    meta = model._meta
    columns = [meta.pk, *(cast(models.Field, meta.get_field(name)) for name in fields)]
    quote = connection.ops.quote_name
    quoted = [quote(str(c.column)) for c in columns]
    names = ", ".join(quoted)
    table, pk = quote(meta.db_table), quoted[0]
    assignments = ", ".join(f"{name} = v.{name}" for name in quoted[1:])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"CAST(%s AS {c.db_type(connection)}[])" for c in columns)
            # Names come from the model's meta, quoted; every value is a bound parameter.
            cursor.execute(f"UPDATE {table} SET {assignments} FROM UNNEST({arrays}) AS v ({names}) "  # noqa: S608
                           f"WHERE {table}.{pk} = v.{pk}", [[getattr(r, c.attname) for r in rows] for c in columns])
            return
        batch = max(1, SQLITE_PARAMETERS // len(columns))
        cell = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            params = [c.get_db_prep_save(getattr(r, c.attname), connection) for r in chunk for c in columns]
            cursor.execute(f"WITH v ({names}) AS (VALUES {', '.join([cell] * len(chunk))}) "  # noqa: S608
                           f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{pk} = v.{pk}", params)


# --- fills ------------------------------------------------------------------------------------------------


def portfolios_lock(*, instrument: Instrument, timeframe: str) -> None:
    """Lock every portfolio the bar can change (open orders on it, or a position in it) at once, in id order:
    two bars processed at once each take their portfolios in one ascending sweep, so neither holds one the
    other waits for while it waits for one the other holds."""
    owners = PaperOrder.objects.filter(instrument=instrument, timeframe=timeframe, status__in=OPEN_ORDER_STATUSES)
    holders = PaperPosition.objects.filter(instrument=instrument)
    list(Portfolio.objects.select_for_update()
         .filter(Q(pk__in=owners.values("portfolio_id")) | Q(pk__in=holders.values("portfolio_id")))
         .order_by("pk").values_list("pk", flat=True))


def orders_fill(*, instrument: Instrument, timeframe: str, bar: Bar, close_time: int,
                fx: dict[str, float]) -> dict[int, list[PaperFill]]:
    """Match the open orders of the bar's instrument and timeframe in every portfolio and book what filled;
    the fills stored, by portfolio id."""
    open_orders = PaperOrder.objects.filter(instrument=instrument, timeframe=timeframe,
                                            status__in=OPEN_ORDER_STATUSES)
    ids = sorted(set(open_orders.values_list("portfolio_id", flat=True)))
    if not ids:
        return {}
    # The portfolios first, in id order, as placing, cancelling and marking lock them: an order cancelled
    # before this lock is not read as open below, and one cancelled after it waits for this bar.
    portfolios = {p.pk: p for p in Portfolio.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    rows = list(open_orders.select_for_update().filter(portfolio_id__in=ids).order_by("portfolio_id", "id"))
    if not rows:
        return {}
    for row in rows:
        row.instrument = instrument
    # Refs are unique within a portfolio: scoped by it, one broker call matches every portfolio's orders.
    orders = [order_from_row(r, scope=f"{r.portfolio_id}/") for r in rows]
    by_key = {order.id: row for order, row in zip(orders, rows, strict=True)}
    spec = instrument_spec(instrument)
    market = market_for([instrument])
    match = orders_match(orders, bar_of(bar), instrument=spec, time=close_time, costs=market.costs_of(spec.symbol),
                         policy=market.policy)
    changed = []
    for row, before, after in zip(rows, orders, match.orders, strict=True):
        if after != before:
            order_row_update(row, after)
            changed.append(row)
    rows_update(PaperOrder, changed, ORDER_STATE_FIELDS)
    fills: dict[int, list[Fill]] = defaultdict(list)
    for fill in match.fills:
        row = by_key[fill.order_id]
        fills[row.portfolio_id].append(replace(fill, order_id=row.ref))
    return _fills_book(instrument, bar, close_time, fx, portfolios, fills, rows)


def _fills_book(instrument: Instrument, bar: Bar, close_time: int, fx: dict[str, float],
                portfolios: dict[int, Portfolio], fills: dict[int, list[Fill]],
                rows: list[PaperOrder]) -> dict[int, list[PaperFill]]:
    """Store the fills of every portfolio with their cash, positions, journal and cash balance."""
    if not fills:
        return {}
    market = market_for([instrument])
    rates = {**fx, **({instrument.symbol: bar.close} if instrument.asset_class == "forex" else {})}
    held = {p.portfolio_id: p
            for p in PaperPosition.objects.filter(portfolio_id__in=list(fills), instrument=instrument)}
    orders: dict[int, dict[str, PaperOrder]] = defaultdict(dict)
    for row in rows:
        orders[row.portfolio_id][row.ref] = row
    fill_rows: list[PaperFill] = []
    entry_rows: list[CashEntry] = []
    kept: list[PaperPosition] = []
    deleted: list[int] = []
    trades: list[Trade] = []
    for portfolio_id, made in fills.items():
        portfolio, by_ref, position = portfolios[portfolio_id], orders[portfolio_id], held.get(portfolio_id)
        if position is not None:
            position.instrument = instrument
        positions = {instrument.symbol: position_from_row(position)} if position is not None else {}
        _, entries = fills_book(positions, made, market=market, currency=portfolio.currency, rates=rates,
                                time=close_time)
        fill_rows += [PaperFill(portfolio=portfolio, order=by_ref[f.order_id], instrument=instrument, side=f.side.value,
                                quantity=f.quantity, price=f.price, commission=f.commission,
                                commission_currency=f.commission_currency, bar_time=utc(f.bar_time), time=utc(f.time),
                                at_open=f.at_open) for f in made]
        entry_rows += [CashEntry(portfolio=portfolio, kind=e.kind, amount=e.amount, symbol=e.symbol,
                                 order_ref=e.order_id, time=utc(e.time)) for e in entries]
        changes = position_fills_walk(portfolio_id=portfolio_id, row=position, fills=made, entries=entries,
                                      by_ref=by_ref, instrument=instrument, bar_close=bar.close)
        kept += [changes.kept] if changes.kept is not None else []
        deleted += [r.pk for r in changes.deleted]
        trades += changes.trades
        portfolio.cash += sum(e.amount for e in entries)
    PaperFill.objects.bulk_create(fill_rows)
    CashEntry.objects.bulk_create(entry_rows)
    PaperPosition.objects.filter(pk__in=deleted).delete()
    PaperPosition.objects.bulk_create([r for r in kept if r.pk is None])
    rows_update(PaperPosition, [r for r in kept if r.pk is not None], POSITION_WALK_FIELDS)
    Trade.objects.bulk_create(trades)
    rows_update(Portfolio, [portfolios[pk] for pk in fills], ["cash"])
    stored: dict[int, list[PaperFill]] = defaultdict(list)
    for fill_row in fill_rows:
        stored[fill_row.portfolio_id].append(fill_row)
    return dict(stored)


# --- marks ------------------------------------------------------------------------------------------------


def portfolios_mark(*, instrument: Instrument, bar: Bar, close_time: int, fx: dict[str, float],
                    touched: set[int]) -> list[int]:
    """Mark every portfolio holding the instrument (and those in `touched`) at the bar's close, after
    charging the swaps of their forex positions over the rollovers passed; their ids."""
    held = PaperPosition.objects.filter(instrument=instrument)
    before_bar = When(opened_at__lt=close_time, then=Greatest(F("high_seen"), Value(bar.high)))
    held.update(last_price=Value(bar.close), high_seen=Case(before_bar, default=F("high_seen")),
                low_seen=Case(When(opened_at__lt=close_time, then=Least(F("low_seen"), Value(bar.low))),
                              default=F("low_seen")))
    ids = sorted(set(held.values_list("portfolio_id", flat=True)) | touched)
    if not ids:
        return []
    # Locked in id order, as the fills lock them: two instruments' bars marking one portfolio take turns.
    portfolios = list(Portfolio.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    rows = list(PaperPosition.objects.filter(portfolio_id__in=ids).values_list(
        "id", "portfolio_id", "instrument_id", "quantity", "average_price", "last_price", "swap_through", "costs"))
    instruments = Instrument.objects.in_bulk({r[2] for r in rows})
    _swaps_charge(portfolios, rows, instruments, close_time, fx)
    index = {p.pk: n for n, p in enumerate(portfolios)}
    currency = {p.pk: p.currency for p in portfolios}
    rates = {(i.quote_currency, c): rate_to(i.quote_currency, c, fx)
             for i in instruments.values() for c in set(currency.values())}
    to_account = np.array([rates[(instruments[r[2]].quote_currency, currency[r[1]])] or np.nan for r in rows],
                          dtype=np.float64)
    usable = np.isfinite(to_account)  # a position no FX close converts is left out of the mark, not guessed
    count = int(usable.sum())
    positions = PositionArrays(
        portfolio=np.array([index[r[1]] for r in rows], dtype=np.int64)[usable],
        instrument=np.arange(count, dtype=np.int64),
        quantity=np.array([r[3] for r in rows], dtype=np.float64)[usable],
        average_price=np.array([r[4] for r in rows], dtype=np.float64)[usable])
    close = np.array([r[5] for r in rows], dtype=np.float64)[usable]
    cash = np.fromiter((p.cash for p in portfolios), np.float64, len(portfolios))
    marks = mark_to_market(positions, close=close, to_account=to_account[usable], cash=cash)
    day = (close_time - 1) // DAY_SECONDS * DAY_SECONDS
    marked_at = utc(close_time)
    points = []
    for n, portfolio in enumerate(portfolios):
        if portfolio.day != day:
            portfolio.day_start_equity, portfolio.day = portfolio.equity, day
        portfolio.equity = float(marks.equity[n])
        portfolio.unrealized_pnl = float(marks.unrealized[n])
        portfolio.gross_exposure = float(marks.gross_exposure[n])
        portfolio.marked_at = marked_at
        points.append(EquityPoint(portfolio=portfolio, time=marked_at, equity=portfolio.equity, cash=portfolio.cash,
                                  unrealized_pnl=portfolio.unrealized_pnl, gross_exposure=portfolio.gross_exposure))
    rows_update(Portfolio, portfolios, ["cash", "equity", "unrealized_pnl", "gross_exposure", "day",
                                        "day_start_equity", "marked_at"])
    EquityPoint.objects.bulk_create(points)
    return ids


def _swaps_charge(portfolios: list[Portfolio], rows: list[tuple], instruments: dict[int, Instrument],
                  close_time: int, fx: dict[str, float]) -> None:
    """Charge (or pay) the overnight financing of the positions held over a rollover since their last charge:
    a cash entry each, added to the position's costs and the portfolio's cash, in the portfolio's currency.
    Only instruments with a swap rate charge; a position no FX close converts waits for one."""
    market = market_for(instruments.values())
    charging = {pk for pk, i in instruments.items()
                if market.costs_of(i.symbol).charges_swap(market.instruments[i.symbol])}
    due = [r for r in rows if r[2] in charging and r[6] < close_time]
    if not due:
        return
    by_pk = {p.pk: p for p in portfolios}
    nights_since: dict[int, int] = {}
    charged: list[PaperPosition] = []
    entries: list[CashEntry] = []
    for pk, portfolio_id, instrument_id, quantity, _, _, swap_through, costs in due:
        instrument, portfolio = instruments[instrument_id], by_pk[portfolio_id]
        rate = rate_to(instrument.quote_currency, portfolio.currency, fx)
        if rate is None:
            continue
        if swap_through not in nights_since:
            nights_since[swap_through] = rollover_nights(swap_through, close_time)
        amount = swap_amount(quantity, nights_since[swap_through], market.costs_of(instrument.symbol),
                             market.instruments[instrument.symbol]) * rate
        if amount:
            entries.append(CashEntry(portfolio=portfolio, kind="swap", amount=amount, symbol=instrument.symbol,
                                     time=utc(close_time)))
            portfolio.cash += amount
        charged.append(PaperPosition(pk=pk, costs=costs + amount, swap_through=close_time))
    CashEntry.objects.bulk_create(entries)
    rows_update(PaperPosition, charged, ["costs", "swap_through"])
