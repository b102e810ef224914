"""A closed bar, for every paper portfolio: the open orders of its instrument and timeframe matched by
the pure broker, fills booked (positions, cash, the journal), then every portfolio holding the
instrument marked to market with an equity point each, the swaps of its forex positions charged.

The work is set-based (portfolios.bulk): a few statements per bar however many portfolios. The plain
per-portfolio path (`per_portfolio=True`: each portfolio stepped by broker.accounts.book_on_bars and
stored on its own) is kept as the reference the bulk path is tested against; both mark alike.

Once per bar: the bar is claimed (BarProcessed) in the same transaction, so a second event is a
no-op. The portfolios changed hear of it on the live feed after the commit (portfolios.feed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from market.models import Bar, Instrument
from market.timeframes import Timeframe
from portfolios import bulk
from portfolios.books import (
    ORDER_STATE_FIELDS,
    bar_of,
    book_of,
    epoch,
    fx_closes_latest,
    market_for,
    order_row_update,
    utc,
)
from portfolios.broker.accounts import BookStep, book_on_bars
from portfolios.feed import portfolio_updates_send
from portfolios.models import (
    OPEN_ORDER_STATUSES,
    BarProcessed,
    CashEntry,
    PaperFill,
    PaperOrder,
    PaperPosition,
    Portfolio,
)
from portfolios.position_walk import position_fills_walk


@dataclass(frozen=True)
class BarReport:
    fills: int
    portfolios_marked: int


def bar_closed_process(*, instrument_id: int, timeframe: str, bar_time: datetime,
                       per_portfolio: bool = False) -> BarReport | None:
    """Process the closed bar for every portfolio; None when it was processed already or is not stored.
    `per_portfolio`: book the fills one portfolio at a time (the reference path) instead of set-based."""
    bar = Bar.objects.filter(instrument_id=instrument_id, timeframe=timeframe, time=bar_time).first()
    if bar is None:
        return None
    instrument = Instrument.objects.get(pk=instrument_id)
    with transaction.atomic():
        _, claimed = BarProcessed.objects.get_or_create(instrument=instrument, timeframe=timeframe, time=bar_time)
        if not claimed:
            return None
        close_time = epoch(bar_time) + Timeframe(timeframe).seconds
        fx = fx_closes_latest()
        bulk.portfolios_lock(instrument=instrument, timeframe=timeframe)
        if per_portfolio:
            fills = _orders_match(instrument, timeframe, bar, close_time, fx)
        else:
            fills = bulk.orders_fill(instrument=instrument, timeframe=timeframe, bar=bar, close_time=close_time, fx=fx)
        marked = bulk.portfolios_mark(instrument=instrument, bar=bar, close_time=close_time, fx=fx,
                                      touched=set(fills))
        transaction.on_commit(lambda: portfolio_updates_send(portfolio_ids=marked, fills=fills), robust=True)
    return BarReport(fills=sum(len(f) for f in fills.values()), portfolios_marked=len(marked))


def _orders_match(instrument: Instrument, timeframe: str, bar: Bar, close_time: int,
                  fx: dict[str, float]) -> dict[int, list[PaperFill]]:
    """Match and book the open orders of the bar's instrument and timeframe one portfolio at a time (the
    reference path); fills by portfolio id."""
    open_orders = PaperOrder.objects.filter(instrument=instrument, timeframe=timeframe,
                                            status__in=OPEN_ORDER_STATUSES)
    ids = sorted(set(open_orders.values_list("portfolio_id", flat=True)))
    # The portfolios first, in id order, as bulk.orders_fill locks them (see there).
    portfolios = {p.pk: p for p in Portfolio.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    rows = list(open_orders.select_for_update().select_related("instrument").filter(portfolio_id__in=ids)
                .order_by("portfolio_id", "id"))
    if not rows:
        return {}
    by_portfolio: dict[int, list[PaperOrder]] = defaultdict(list)
    for row in rows:
        by_portfolio[row.portfolio_id].append(row)
    positions: dict[int, list[PaperPosition]] = defaultdict(list)
    for position in PaperPosition.objects.select_related("instrument").filter(portfolio_id__in=list(by_portfolio)):
        positions[position.portfolio_id].append(position)
    traded = {instrument.symbol: instrument} | {p.instrument.symbol: p.instrument for held in positions.values()
                                                for p in held}
    market = market_for(traded.values())
    broker_bar = bar_of(bar)
    fills: dict[int, list[PaperFill]] = {}
    booked: list[int] = []
    for portfolio_id, orders in by_portfolio.items():
        portfolio = portfolios[portfolio_id]
        step = book_on_bars(book_of(portfolio, positions=positions[portfolio_id], orders=orders),
                            {instrument.symbol: broker_bar}, time=close_time, market=market, fx_closes=fx)
        if step.fills or step.closed_orders:  # a step that only charged swaps: the mark charges them
            booked.append(portfolio_id)
            made = _book(portfolio, step, orders, positions[portfolio_id], instrument, bar, close_time)
            if made:
                fills[portfolio_id] = made
        else:
            _orders_store(orders, step)
    # The step charged each booked portfolio's swaps up to the close (book_on_bars): one statement records it.
    charging = [i.pk for i in traded.values()
                if market.costs_of(i.symbol).charges_swap(market.instruments[i.symbol])]
    PaperPosition.objects.filter(portfolio_id__in=booked, instrument_id__in=charging,
                                 swap_through__lt=close_time).update(swap_through=close_time)
    return fills


def _orders_store(rows: list[PaperOrder], step: BookStep) -> None:
    after = {o.id: o for o in (*step.book.orders, *step.closed_orders)}
    for row in rows:
        if row.ref in after:
            order_row_update(row, after[row.ref])
    PaperOrder.objects.bulk_update(rows, ORDER_STATE_FIELDS)


def _book(portfolio: Portfolio, step: BookStep, orders: list[PaperOrder], positions: list[PaperPosition],
          instrument: Instrument, bar: Bar, close_time: int) -> list[PaperFill]:
    """Store what one portfolio's step changed: orders, fills, cash, positions and closed trades."""
    _orders_store(orders, step)
    by_ref = {row.ref: row for row in orders}
    fills = PaperFill.objects.bulk_create([
        PaperFill(portfolio=portfolio, order=by_ref[f.order_id], instrument=instrument, side=f.side.value,
                  quantity=f.quantity, price=f.price, commission=f.commission,
                  commission_currency=f.commission_currency, bar_time=utc(f.bar_time), time=utc(f.time),
                  at_open=f.at_open) for f in step.fills])
    CashEntry.objects.bulk_create([CashEntry(portfolio=portfolio, kind=e.kind, amount=e.amount, symbol=e.symbol,
                                             order_ref=e.order_id, time=utc(e.time)) for e in step.cash_entries])
    held = {p.instrument.symbol: p for p in positions}
    changes = position_fills_walk(portfolio_id=portfolio.pk, row=held.get(instrument.symbol), fills=step.fills,
                                  entries=step.cash_entries, by_ref=by_ref, instrument=instrument, bar_close=bar.close)
    after = held | {instrument.symbol: changes.kept}
    for entry in step.cash_entries:
        swapped = after.get(entry.symbol) if entry.kind == "swap" else None
        if swapped is not None:
            swapped.costs += entry.amount
            if entry.symbol != instrument.symbol:
                swapped.save(update_fields=["costs"])
    for trade in changes.trades:
        trade.save()
    for gone in changes.deleted:
        gone.delete()
    if changes.kept is not None:
        changes.kept.save()
    portfolio.cash = step.book.account.cash
    portfolio.save(update_fields=["cash"])
    return fills


