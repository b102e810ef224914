"""Positions, cash and the step of one paper portfolio over closed bars. No Django.

- One net position per instrument (signed units, average price). A fill that adds to it moves
  the average; one that reduces it realises P&L = closed units x (fill - average) x direction; one
  that crosses zero realises the old part and opens the rest at the fill price.
- Cash is in the account currency: deposits + realised P&L - commissions + swaps. Realised P&L,
  commissions and swaps are converted at the FX closes of the step they happen in.
- Equity = cash + unrealised P&L of the positions at their last close (mid), converted likewise.
- The trading day of the daily loss limit is the UTC day (a bar closing at 00:00 belongs to the
  day before); `day_start_equity` is the equity marked last before the first close of that day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from market.arrays import InstrumentSpec
from portfolios.broker.costs import FREE, CostModel, FillPolicy, rollover_nights, swap_amount
from portfolios.broker.fx import Rate, fx_rate
from portfolios.broker.matching import Bar, Fill, orders_match
from portfolios.broker.orders import Order

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Position:
    symbol: str
    quantity: float  # signed units: > 0 long, < 0 short
    average_price: float  # quote currency
    last_price: float  # the last close seen (mid), quote currency
    opened_at: int  # epoch s
    swap_through: int  # swap is charged for rollovers after this time (epoch s)


@dataclass(frozen=True)
class CashEntry:
    """One movement of the account's cash, in the account currency (negative: a cost)."""

    kind: str  # "deposit" | "realized_pnl" | "commission" | "swap"
    amount: float
    symbol: str
    time: int
    order_id: str = ""


@dataclass(frozen=True)
class Account:
    currency: str
    cash: float  # account currency
    equity: float  # as marked at the last step
    day: int | None = None  # the UTC day (epoch s of 00:00) of the last step
    day_start_equity: float | None = None


@dataclass(frozen=True)
class Book:
    """Everything the broker knows of one portfolio."""

    account: Account
    positions: Mapping[str, Position] = field(default_factory=dict)
    orders: tuple[Order, ...] = ()  # open orders

    @classmethod
    def opening(cls, *, currency: str, deposit: float) -> Book:
        return cls(account=Account(currency=currency, cash=deposit, equity=deposit))


@dataclass(frozen=True)
class Market:
    """What the broker reads of the instruments a book trades, by symbol."""

    instruments: Mapping[str, InstrumentSpec]
    costs: Mapping[str, CostModel] = field(default_factory=dict)  # missing: no costs
    policy: FillPolicy = field(default_factory=FillPolicy)

    def costs_of(self, symbol: str) -> CostModel:
        return self.costs.get(symbol, FREE)


@dataclass(frozen=True)
class BookStep:
    book: Book
    fills: list[Fill]
    closed_orders: list[Order]  # filled, cancelled or expired in this step
    cash_entries: list[CashEntry]


def position_after_fill(position: Position | None, fill: Fill) -> tuple[Position | None, float]:
    """The position after `fill` (None when flat) and the P&L it realised, in the quote currency."""
    delta = fill.side.sign * fill.quantity
    if position is None or position.quantity == 0:
        return Position(fill.symbol, delta, fill.price, fill.price, fill.time, fill.bar_time), 0.0
    held = position.quantity
    total = round(held + delta, 10)
    if (held > 0) == (delta > 0):
        average = (abs(held) * position.average_price + abs(delta) * fill.price) / abs(total)
        return replace(position, quantity=total, average_price=average, last_price=fill.price), 0.0
    direction = 1.0 if held > 0 else -1.0
    realized = min(abs(delta), abs(held)) * (fill.price - position.average_price) * direction
    if total == 0:
        return None, realized
    if (total > 0) == (held > 0):
        return replace(position, quantity=total, last_price=fill.price), realized
    return Position(fill.symbol, total, fill.price, fill.price, fill.time, fill.bar_time), realized


def book_on_bars(book: Book, bars: Mapping[str, Bar], *, time: int, market: Market,
                 fx_closes: Mapping[str, Rate] | None = None) -> BookStep:
    """The book after the closed `bars` (by symbol) at `time` (their close, epoch s): orders
    matched, fills booked, swaps charged over the rollovers passed, positions marked.

    `fx_closes` are the latest closes of the FX pairs that convert the quote currencies into
    the account currency; the closes of forex instruments among `bars` are used too.
    """
    rates = {**(fx_closes or {}),
             **{s: b.close for s, b in bars.items() if market.instruments[s].asset_class == "forex"}}
    currency = book.account.currency
    orders: list[Order] = list(book.orders)
    fills: list[Fill] = []
    for symbol, bar in bars.items():
        mine = [o for o in orders if o.symbol == symbol]
        if mine:
            match = orders_match(mine, bar, instrument=market.instruments[symbol], time=time,
                                 costs=market.costs_of(symbol), policy=market.policy)
            after = {o.id: o for o in match.orders}
            orders = [after.get(o.id, o) for o in orders]
            fills.extend(match.fills)
    positions, entries = fills_book(book.positions, fills, market=market, currency=currency, rates=rates, time=time)
    for symbol, position in list(positions.items()):
        instrument = market.instruments[symbol]
        latest = bars.get(symbol)
        nights = rollover_nights(position.swap_through, time)
        swap = swap_amount(position.quantity, nights, market.costs_of(symbol), instrument)
        if swap:
            entries.append(CashEntry("swap", swap * float(fx_rate(instrument.quote_currency, currency, rates)),
                                     symbol, time))
        positions[symbol] = replace(position, last_price=latest.close if latest else position.last_price,
                                    swap_through=max(position.swap_through, time))
    cash = book.account.cash + sum(entry.amount for entry in entries)
    equity = cash + sum(unrealized_pnl(p) * float(fx_rate(market.instruments[s].quote_currency, currency, rates))
                        for s, p in positions.items())
    account = _account_marked(book.account, cash=cash, equity=equity, time=time)
    closed = [o for o in orders if not o.is_open]
    return BookStep(book=Book(account=account, positions=positions, orders=tuple(o for o in orders if o.is_open)),
                    fills=fills, closed_orders=closed, cash_entries=entries)


def fills_book(positions: Mapping[str, Position], fills: Sequence[Fill], *, market: Market, currency: str,
               rates: Mapping[str, Rate], time: int) -> tuple[dict[str, Position], list[CashEntry]]:
    """The positions after `fills` (in order) and the cash they moved: realised P&L and commissions,
    converted to `currency` at `rates` (FX closes), booked at `time`."""
    after = dict(positions)
    entries: list[CashEntry] = []
    for fill in fills:
        instrument = market.instruments[fill.symbol]
        position, realized = position_after_fill(after.get(fill.symbol), fill)
        if position is None:
            after.pop(fill.symbol, None)
        else:
            after[fill.symbol] = position
        to_account = float(fx_rate(instrument.quote_currency, currency, rates))
        if realized:
            entries.append(CashEntry("realized_pnl", realized * to_account, fill.symbol, time, fill.order_id))
        if fill.commission:
            paid = fill.commission * float(fx_rate(fill.commission_currency, currency, rates))
            entries.append(CashEntry("commission", -paid, fill.symbol, time, fill.order_id))
    return after, entries


def unrealized_pnl(position: Position) -> float:
    """Unrealised P&L at the last close, in the quote currency."""
    return position.quantity * (position.last_price - position.average_price)


def _account_marked(account: Account, *, cash: float, equity: float, time: int) -> Account:
    day = (time - 1) // DAY_SECONDS * DAY_SECONDS  # a bar closing at 00:00 belongs to the day before
    if account.day != day:  # the first close of a new day: the day starts from the last mark before it
        return replace(account, cash=cash, equity=equity, day=day, day_start_equity=account.equity)
    return replace(account, cash=cash, equity=equity)


def book_place(book: Book, orders: Sequence[Order]) -> Book:
    """The book with `orders` (validated, not blocked) working."""
    return replace(book, orders=(*book.orders, *orders))
