"""A closed bar, for every paper portfolio: the open orders of its instrument and timeframe matched by
the pure broker, fills booked (positions, cash, the journal), then every portfolio holding the
instrument marked to market (one vectorised pass, broker.valuation) with an equity point each.

Once per bar: the bar is claimed (BarProcessed) in the same transaction, so a second event is a
no-op. The portfolios changed hear of it on the live feed after the commit (portfolios.feed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least

from market.models import Bar, Instrument
from market.timeframes import Timeframe
from portfolios.books import (
    ORDER_STATE_FIELDS,
    bar_of,
    book_of,
    epoch,
    fx_closes_latest,
    market_for,
    order_row_update,
    position_from_row,
    rate_to,
    utc,
)
from portfolios.broker.accounts import DAY_SECONDS, BookStep, Position, book_on_bars, position_after_fill
from portfolios.broker.accounts import CashEntry as CashEntryBroker
from portfolios.broker.matching import Fill
from portfolios.broker.valuation import PositionArrays, mark_to_market
from portfolios.feed import portfolio_updates_send
from portfolios.models import (
    OPEN_ORDER_STATUSES,
    BarProcessed,
    CashEntry,
    EquityPoint,
    PaperFill,
    PaperOrder,
    PaperPosition,
    Portfolio,
    Trade,
)


@dataclass(frozen=True)
class BarReport:
    fills: int
    portfolios_marked: int


def bar_closed_process(*, instrument_id: int, timeframe: str, bar_time: datetime) -> BarReport | None:
    """Process the closed bar for every portfolio; None when it was processed already or is not stored."""
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
        fills = _orders_match(instrument, timeframe, bar, close_time, fx)
        marked = _mark(instrument, bar, close_time, fx, touched=set(fills))
        transaction.on_commit(lambda: portfolio_updates_send(portfolio_ids=marked, fills=fills), robust=True)
    return BarReport(fills=sum(len(f) for f in fills.values()), portfolios_marked=len(marked))


def _orders_match(instrument: Instrument, timeframe: str, bar: Bar, close_time: int,
                  fx: dict[str, float]) -> dict[int, list[PaperFill]]:
    """Match and book the open orders of the bar's instrument and timeframe; fills by portfolio id."""
    rows = list(PaperOrder.objects.select_for_update().select_related("instrument")
                .filter(instrument=instrument, timeframe=timeframe, status__in=OPEN_ORDER_STATUSES)
                .order_by("portfolio_id", "id"))
    if not rows:
        return {}
    by_portfolio: dict[int, list[PaperOrder]] = defaultdict(list)
    for row in rows:
        by_portfolio[row.portfolio_id].append(row)
    # Locked in id order, as _mark locks them: two bars' processes never wait on each other in a circle.
    portfolios = {p.pk: p for p in Portfolio.objects.select_for_update().filter(pk__in=list(by_portfolio))
                  .order_by("pk")}
    positions: dict[int, list[PaperPosition]] = defaultdict(list)
    for position in PaperPosition.objects.select_related("instrument").filter(portfolio_id__in=list(by_portfolio)):
        positions[position.portfolio_id].append(position)
    held_instruments = {p.instrument.symbol: p.instrument for held in positions.values() for p in held}
    market = market_for(({instrument.symbol: instrument} | held_instruments).values())
    broker_bar = bar_of(bar)
    fills: dict[int, list[PaperFill]] = {}
    booked: list[int] = []
    for portfolio_id, orders in by_portfolio.items():
        portfolio = portfolios[portfolio_id]
        step = book_on_bars(book_of(portfolio, positions=positions[portfolio_id], orders=orders),
                            {instrument.symbol: broker_bar}, time=close_time, market=market, fx_closes=fx)
        if step.fills or step.closed_orders or step.cash_entries:
            booked.append(portfolio_id)
            made = _book(portfolio, step, orders, positions[portfolio_id], instrument, bar, close_time)
            if made:
                fills[portfolio_id] = made
        else:
            _orders_store(orders, step)
    # The step charged each booked portfolio's swaps up to the close (book_on_bars): one statement records it.
    PaperPosition.objects.filter(portfolio_id__in=booked, swap_through__lt=close_time).update(swap_through=close_time)
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
    for entry in step.cash_entries:
        if entry.kind == "swap" and entry.symbol in held:
            held[entry.symbol].costs += entry.amount
            held[entry.symbol].save(update_fields=["costs"])
    _positions_book(portfolio, step.fills, step.cash_entries, by_ref, held.get(instrument.symbol), instrument, bar)
    portfolio.cash = step.book.account.cash
    portfolio.save(update_fields=["cash"])
    return fills


def _positions_book(portfolio: Portfolio, fills: list[Fill], entries: list[CashEntryBroker],
                    by_ref: dict[str, PaperOrder], row: PaperPosition | None, instrument: Instrument,
                    bar: Bar) -> None:
    """Walk the fills of one instrument through its position: open, add, reduce, close (a Trade), flip."""
    realized: defaultdict[str, float] = defaultdict(float)
    commission: defaultdict[str, float] = defaultdict(float)
    for entry in entries:
        if entry.kind == "realized_pnl":
            realized[entry.order_id] += entry.amount
        elif entry.kind == "commission":
            commission[entry.order_id] += entry.amount
    for fill in fills:
        order = by_ref[fill.order_id]
        before = position_from_row(row) if row is not None else None
        after, _ = position_after_fill(before, fill)
        if row is None:
            row = _position_open(portfolio, instrument, order, by_ref, fill, after)
            row.costs += commission[fill.order_id]
            continue
        crossed = after is not None and (after.quantity > 0) != (row.quantity > 0)
        closing = min(fill.quantity, abs(row.quantity)) if (after is None or crossed
                                                            or abs(after.quantity) < abs(row.quantity)) else 0.0
        row.exit_quantity += closing
        row.exit_value += closing * fill.price
        row.realized_pnl += realized[fill.order_id]
        row.costs += commission[fill.order_id]
        if after is None or crossed:
            _trade_close(row, fill)
            if row.pk is not None:  # opened by an earlier fill of this bar: never stored
                row.delete()
            row = _position_open(portfolio, instrument, order, by_ref, fill, after) if crossed and after else None
            continue
        row.quantity, row.average_price, row.last_price = after.quantity, after.average_price, after.last_price
        row.entry_quantity = max(row.entry_quantity, abs(after.quantity))
    if row is not None:
        row.last_price = bar.close
        row.save()


def _position_open(portfolio: Portfolio, instrument: Instrument, order: PaperOrder, by_ref: dict[str, PaperOrder],
                   fill: Fill, position: Position | None) -> PaperPosition:
    assert position is not None
    stop = next((o.stop_price for o in by_ref.values() if o.bracket_ref and o.bracket_ref == order.bracket_ref
                 and o.role == "stop"), None) if order.role == "entry" else None
    return PaperPosition(portfolio=portfolio, instrument=instrument, signal_id=order.signal_id,
                         quantity=position.quantity, average_price=position.average_price, last_price=fill.price,
                         opened_at=fill.time, swap_through=position.swap_through, initial_stop=stop,
                         high_seen=fill.price, low_seen=fill.price, entry_quantity=abs(position.quantity))


def _trade_close(row: PaperPosition, fill: Fill) -> Trade:
    """The journal entry of a position that went flat (or flipped) on `fill`."""
    long = row.quantity > 0
    direction = 1.0 if long else -1.0
    exit_price = row.exit_value / row.exit_quantity if row.exit_quantity else fill.price
    high, low = max(row.high_seen, fill.price), min(row.low_seen, fill.price)
    risk = abs(row.average_price - row.initial_stop) if row.initial_stop is not None else 0.0
    best, worst = (high, low) if long else (low, high)

    def in_r(price: float) -> float | None:
        return (price - row.average_price) * direction / risk if risk > 0 else None

    return Trade.objects.create(
        portfolio_id=row.portfolio_id, instrument=row.instrument, signal_id=row.signal_id,
        side="long" if long else "short", quantity=row.entry_quantity, entry_price=row.average_price,
        exit_price=exit_price, opened_at=utc(row.opened_at), closed_at=utc(fill.time),
        duration_seconds=max(fill.time - row.opened_at, 0), pnl=row.realized_pnl + row.costs, costs=row.costs,
        initial_stop=row.initial_stop, r_multiple=in_r(exit_price), mfe_r=in_r(best), mae_r=in_r(worst),
        mfe_price=best, mae_price=worst)


def _mark(instrument: Instrument, bar: Bar, close_time: int, fx: dict[str, float], *,
          touched: set[int]) -> list[int]:
    """Mark every portfolio holding the instrument (and those just booked) at the bar's close; their ids."""
    held = PaperPosition.objects.filter(instrument=instrument)
    held.filter(opened_at__lt=close_time).update(last_price=bar.close, high_seen=Greatest(F("high_seen"), bar.high),
                                                 low_seen=Least(F("low_seen"), bar.low))
    held.filter(opened_at__gte=close_time).update(last_price=bar.close)
    ids = sorted(set(held.values_list("portfolio_id", flat=True)) | touched)
    if not ids:
        return []
    # Locked, so that two instruments' bars marking one portfolio at once mark it one after the other.
    portfolios = list(Portfolio.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    index = {p.pk: n for n, p in enumerate(portfolios)}
    rows = list(PaperPosition.objects.filter(portfolio_id__in=ids)
                .values_list("portfolio_id", "quantity", "average_price", "last_price", "instrument__quote_currency"))
    currency = {p.pk: p.currency for p in portfolios}
    rates: dict[tuple[str, str], float] = {}
    for portfolio_id, *_, quote in rows:
        pair = (quote, currency[portfolio_id])
        if pair not in rates:
            rate = rate_to(*pair, fx)
            rates[pair] = rate if rate is not None else np.nan
    count = len(rows)
    positions = PositionArrays(portfolio=np.fromiter((index[r[0]] for r in rows), np.int64, count),
                               instrument=np.arange(count, dtype=np.int64),
                               quantity=np.fromiter((r[1] for r in rows), np.float64, count),
                               average_price=np.fromiter((r[2] for r in rows), np.float64, count))
    close = np.fromiter((r[3] for r in rows), np.float64, count)
    to_account = np.fromiter((rates[(r[4], currency[r[0]])] for r in rows), np.float64, count)
    usable = np.isfinite(to_account)  # a position no FX close converts is left out of the mark, not guessed
    if not usable.all():
        positions = PositionArrays(positions.portfolio[usable], np.arange(int(usable.sum()), dtype=np.int64),
                                   positions.quantity[usable], positions.average_price[usable])
        close, to_account = close[usable], to_account[usable]
    cash = np.fromiter((p.cash for p in portfolios), np.float64, len(portfolios))
    marks = mark_to_market(positions, close=close, to_account=to_account, cash=cash)
    day = (close_time - 1) // DAY_SECONDS * DAY_SECONDS
    points = []
    for n, portfolio in enumerate(portfolios):
        if portfolio.day != day:
            portfolio.day_start_equity, portfolio.day = portfolio.equity, day
        portfolio.equity = float(marks.equity[n])
        portfolio.unrealized_pnl = float(marks.unrealized[n])
        portfolio.gross_exposure = float(marks.gross_exposure[n])
        portfolio.marked_at = utc(close_time)
        points.append(EquityPoint(portfolio=portfolio, time=utc(close_time), equity=portfolio.equity,
                                  cash=portfolio.cash, unrealized_pnl=portfolio.unrealized_pnl,
                                  gross_exposure=portfolio.gross_exposure))
    Portfolio.objects.bulk_update(portfolios, ["equity", "unrealized_pnl", "gross_exposure", "day",
                                               "day_start_equity", "marked_at"])
    EquityPoint.objects.bulk_create(points)
    return ids
