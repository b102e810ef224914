"""The bar-by-bar backtest of one strategy over one instrument, filled by the paper broker. No Django.

At the close of bar i the strategy's intent of bar i (decided from bars 0..i) becomes orders, and
the broker (`portfolios.broker.matching.orders_match`) fills them from bar i + 1 on by its rules:
market orders at the next open plus half the spread and the slippage, commission per fill; a
bracketed intent enters at the next open with a stop and take-profit limits (a bar reaching both
counts as the stop). One net position at a time:

- an intent in the position's direction is ignored (no pyramiding);
- an opposite intent closes the position at the next open and, when `reverse`, opens the other way
  (both at that open); without `reverse` it is ignored while a position is open;
- a close intent (direction 0) closes it.

The account is in the instrument's quote currency. Equity is marked at every close (cash plus the
open position at the close). A trade is an entry and everything until the position is flat again;
its exit price is the quantity-weighted mean of its exit fills. A position still open after the last
bar is not a trade (it is in the equity) unless `close_at_end`, which closes it at the last close.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from backtests.engine.sizing import AllIn, Sizing
from backtests.engine.strategies import BacktestCancelled, Intent, Strategy
from market.arrays import BarArrays, FloatArray, InstrumentSpec, IntArray
from market.timeframes import Timeframe
from portfolios.broker.accounts import Position, position_after_fill
from portfolios.broker.costs import FREE, CostModel
from portfolios.broker.matching import Bar, Fill, orders_match
from portfolios.broker.orders import (
    Order,
    OrderRejected,
    OrderStatus,
    OrderType,
    Side,
    Target,
    TimeInForce,
    bracket_orders,
)

CHECK_EVERY_BARS = 250  # how often a long run reports progress and asks whether to stop


@dataclass(frozen=True)
class BacktestSettings:
    cash: float = 10_000.0  # starting equity, quote currency
    costs: CostModel = FREE  # the broker's spread, slippage and commission (the shell passes cost_model_for)
    sizing: Sizing = field(default_factory=AllIn)
    reverse: bool = True
    close_at_end: bool = False
    # Skip the broker on a bar none of the working stop and limit orders can reach (by a tick and the
    # spread to spare): the same fills, much faster. A test runs both ways and compares.
    skip_quiet_bars: bool = True


@dataclass(frozen=True, slots=True)
class Trade:
    direction: int  # +1 long, -1 short
    size: float  # units
    entry_index: int  # bar of the entry fill
    exit_index: int  # bar of the last exit fill
    entry_time: int  # open time of those bars (epoch s)
    exit_time: int
    entry_price: float  # quote currency, costs included
    exit_price: float  # quantity-weighted mean of the exit fills
    pnl: float  # quote currency, after commissions
    return_fraction: float  # direction x (exit / entry - 1) - commissions / (size x entry)
    commission: float
    exit_reason: str  # "signal", "stop", "target_1".., "end"


@dataclass(frozen=True)
class BacktestRun:
    time: IntArray  # bar open times (epoch s)
    close: FloatArray
    equity: FloatArray  # marked at each close, quote currency
    trades: list[Trade]
    intents: list[Intent]
    open_position: float  # signed units still held after the last bar
    cash: float
    first_bar: int  # the first bar the strategy could decide on (its warm-up before it)


@dataclass
class _Open:
    """The trade being built while a position is open."""

    direction: int
    entry_index: int
    size: float = 0.0
    cost: float = 0.0  # sum of units x entry price
    exit_units: float = 0.0
    exit_value: float = 0.0  # sum of units x exit price
    commission: float = 0.0
    realised: float = 0.0
    reason: str = ""
    entry_prices: set[float] = field(default_factory=set)  # of its fills: one price is the price exactly
    exit_prices: set[float] = field(default_factory=set)


class _Account:
    """Cash, the net position, the working orders and the trades of one run."""

    def __init__(self, bars: BarArrays, instrument: InstrumentSpec, settings: BacktestSettings):
        self.bars, self.instrument, self.settings = bars, instrument, settings
        self.cash = settings.cash
        self.position: Position | None = None
        self.orders: list[Order] = []
        self.open: _Open | None = None
        self.trades: list[Trade] = []
        self.serial = 0

    def equity_at(self, price: float) -> float:
        held = self.position.quantity * (price - self.position.average_price) if self.position else 0.0
        return self.cash + held

    def match(self, orders: Sequence[Order], j: int) -> list[Order]:
        """`orders` after bar j, their fills booked."""
        bar = Bar.from_arrays(self.bars, j)
        result = orders_match(orders, bar, instrument=self.instrument, time=bar.time + 1, costs=self.settings.costs)
        for fill in result.fills:
            self._book(fill, j)
        return [order for order in result.orders if order.is_open]

    def next_breach(self, start: int) -> int:
        """The first bar from `start` on where a working order might fill or change: every bar when some
        order is not a plain GTC stop or limit (trailing, stop-limit, expiring, pending); otherwise the
        first bar whose range, widened by the half spread and two ticks, reaches one of their prices."""
        below, above = -math.inf, math.inf  # prices reached by a falling low, by a rising high
        for order in self.orders:
            if order.status is not OrderStatus.WORKING or order.time_in_force is not TimeInForce.GTC:
                return start
            if order.type is OrderType.STOP and order.stop_price is not None:
                price, falling = order.stop_price, order.side is Side.SELL
            elif order.type is OrderType.LIMIT and order.limit_price is not None:
                price, falling = order.limit_price, order.side is Side.BUY
            else:
                return start
            below, above = (max(below, price), above) if falling else (below, min(above, price))
        spread = self.settings.costs.spread
        fixed = spread.at(0.0, self.instrument)
        per_price = spread.at(1.0, self.instrument) - fixed
        high, low = self.bars.high[start:], self.bars.low[start:]
        margin = (fixed + per_price * high) / 2 + 2 * self.instrument.tick_size
        reached = np.flatnonzero((low - margin <= below) | (high + margin >= above))
        return start + int(reached[0]) if len(reached) else len(self.bars)

    def close_now(self, j: int, reason: str) -> None:
        """Cancel the working orders and close the position at bar j's open."""
        self.orders = []
        if self.position is None:
            return
        if self.open is not None:
            self.open.reason = reason
        side = Side.SELL if self.position.quantity > 0 else Side.BUY
        close = Order(id=self._id("close"), symbol=self.instrument.symbol, side=side,
                      quantity=abs(self.position.quantity), created_at=int(self.bars.time[j]))
        self.match([close], j)

    def enter(self, intent: Intent, j: int) -> None:
        """Orders for the intent, sized at bar j's executable open."""
        side = Side.BUY if intent.direction > 0 else Side.SELL
        opening = float(self.bars.open[j])
        costs = self.settings.costs
        price = opening + side.sign * (costs.half_spread(opening, self.instrument)
                                       + costs.slippage.at(opening, self.instrument))
        units = self.settings.sizing.units(equity=self.equity_at(opening), price=price, stop=intent.stop,
                                           instrument=self.instrument)
        if units <= 0:
            return
        created = int(self.bars.time[j])
        if intent.stop is None:
            self.orders.append(Order(id=self._id("entry"), symbol=self.instrument.symbol, side=side, quantity=units,
                                     created_at=created))
            return
        targets = [Target(price=p, fraction=f) for p, f in zip(intent.targets, intent.target_fractions, strict=True)]
        try:
            self.orders.extend(bracket_orders(id=self._id("bracket"), symbol=self.instrument.symbol, side=side,
                                              quantity=units, stop=intent.stop, targets=targets,
                                              instrument=self.instrument, created_at=created))
        except OrderRejected:
            return  # e.g. a position too small to split over the targets: no trade, as a broker would refuse it

    def finish(self, j: int) -> None:
        """Close what is open at bar j's close (the run's end)."""
        if self.position is None:
            return
        if self.open is not None:
            self.open.reason = "end"
        side = Side.SELL if self.position.quantity > 0 else Side.BUY
        fill = Fill(order_id="end", symbol=self.instrument.symbol, side=side, quantity=abs(self.position.quantity),
                    price=float(self.bars.close[j]), commission=0.0, commission_currency=self.instrument.quote_currency,
                    bar_time=int(self.bars.time[j]), time=int(self.bars.time[j]), at_open=False)
        self._book(fill, j)
        self.orders = []

    def _book(self, fill: Fill, j: int) -> None:
        before = self.position
        self.position, realised = position_after_fill(before, fill)
        commission = self._commission(fill)
        self.cash += realised - commission
        direction = fill.side.sign
        if before is None:
            self.open = _Open(direction=direction, entry_index=j)
        assert self.open is not None
        trade = self.open
        trade.commission += commission
        trade.realised += realised
        if direction == trade.direction:
            trade.size += fill.quantity
            trade.cost += fill.quantity * fill.price
            trade.entry_prices.add(fill.price)
        else:
            trade.exit_units += fill.quantity
            trade.exit_value += fill.quantity * fill.price
            trade.exit_prices.add(fill.price)
            trade.reason = trade.reason or _reason(fill.order_id)
        if self.position is None:
            self._close_trade(trade, j)

    def _close_trade(self, trade: _Open, j: int) -> None:
        entry = _mean_price(trade.entry_prices, trade.cost, trade.size)
        exit_price = _mean_price(trade.exit_prices, trade.exit_value, trade.exit_units)
        self.trades.append(Trade(
            direction=trade.direction, size=trade.size, entry_index=trade.entry_index, exit_index=j,
            entry_time=int(self.bars.time[trade.entry_index]), exit_time=int(self.bars.time[j]), entry_price=entry,
            exit_price=exit_price, pnl=trade.realised - trade.commission,
            return_fraction=trade.direction * (exit_price / entry - 1) - trade.commission / (trade.size * entry),
            commission=trade.commission, exit_reason=trade.reason or "signal"))
        self.open = None

    def _commission(self, fill: Fill) -> float:
        """The fill's commission in the quote currency (a commission in the base currency at the fill price)."""
        if not fill.commission or fill.commission_currency == self.instrument.quote_currency:
            return fill.commission
        if fill.commission_currency == self.instrument.base_currency:
            return fill.commission * fill.price
        raise ValueError(f"cannot convert a commission in {fill.commission_currency} "
                         f"for {self.instrument.symbol} (quote {self.instrument.quote_currency})")

    def _id(self, kind: str) -> str:
        self.serial += 1
        return f"{kind}-{self.serial}"


def _mean_price(prices: set[float], value: float, units: float) -> float:
    """The quantity-weighted mean price of fills (their one price exactly when they share it)."""
    return next(iter(prices)) if len(prices) == 1 else value / units


def _reason(order_id: str) -> str:
    """Why a trade ended, from the id of the order that closed it."""
    role = order_id.rsplit(":", 1)[-1] if ":" in order_id else ""
    return role or "signal"


def backtest_run(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str, strategy: Strategy,
                 settings: BacktestSettings | None = None, intents: Sequence[Intent] | None = None,
                 first_bar: int = 0, should_stop: Callable[[int], bool] | None = None) -> BacktestRun:
    """The run of `strategy` over `bars` (or of `intents` already computed from them).

    `should_stop(bar_index)` is asked every CHECK_EVERY_BARS bars (report progress there, too); a
    True answer raises BacktestCancelled. `first_bar` is where buy & hold starts (the warm-up's end).
    """
    settings = settings or BacktestSettings()
    timeframe = Timeframe(timeframe)
    decided = list(intents) if intents is not None else strategy.intents(bars, instrument=instrument,
                                                                           timeframe=timeframe)
    by_index = {intent.index: intent for intent in decided}
    account = _Account(bars, instrument, settings)
    equity = np.empty(len(bars))
    pending: Intent | None = None
    quiet_until = 0  # bars before it cannot fill or change the working orders
    for j in range(len(bars)):
        if should_stop is not None and j % CHECK_EVERY_BARS == 0 and should_stop(j):
            raise BacktestCancelled(f"stopped at bar {j} of {len(bars)}")
        if pending is not None and _act(account, pending, j):
            quiet_until = j  # the orders changed: the broker sees this bar
        if account.orders and j >= quiet_until:
            account.orders = account.match(account.orders, j)
            quiet_until = account.next_breach(j + 1) if settings.skip_quiet_bars else j + 1
        equity[j] = account.equity_at(float(bars.close[j]))
        pending = by_index.get(j)
    if settings.close_at_end and len(bars):
        account.finish(len(bars) - 1)
        equity[-1] = account.cash
    return BacktestRun(time=bars.time, close=bars.close, equity=equity, trades=account.trades, intents=decided,
                       open_position=account.position.quantity if account.position else 0.0, cash=account.cash,
                       first_bar=first_bar)


def _act(account: _Account, intent: Intent, j: int) -> bool:
    """The intent decided at bar j - 1's close, at bar j's open; whether it changed the orders or position."""
    held = account.position.quantity if account.position else 0.0
    opposite = held != 0 and (intent.direction == 0 or math.copysign(1, held) != intent.direction)
    acting = intent.direction != 0 and (held == 0 or (opposite and account.settings.reverse))
    if acting and intent.complete is not None:
        completed = intent.complete()
        if completed is None:
            return False  # no signal after all: nothing happens, as if the strategy had not spoken
        intent = completed
    changed = False
    if opposite and (intent.direction == 0 or account.settings.reverse):
        account.close_now(j, "signal")
        held, changed = 0.0, True
    if intent.direction != 0 and held == 0 and not account.orders:
        account.enter(intent, j)
        changed = True
    return changed

