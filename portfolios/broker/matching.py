"""Which orders fill on one closed bar, and at what price. No Django.

The rules (subscribers judge the paper results by them; the backtests fill by them too):
- An order can fill on bars that open at or after it was placed, never on the bar it was placed in.
- Market: the bar's open, plus half the spread and the slippage against the trader.
- Limit: when the price reaches it (a buy's ask at or below the limit; with the fill policy's
  trade-through, N ticks beyond it), at the limit, or at the open when the bar opens beyond it.
- Stop: when the price reaches it, at the stop plus slippage; a bar that opens beyond the stop
  (a gap) fills at the open plus slippage, worse than the stop.
- Stop-limit: when the stop is reached it becomes a limit; on that bar it fills only when the
  price it was reached at (the stop, or the open after a gap) is within the limit, else it waits
  as a limit from the next bar.
- Trailing stop: a stop that follows the best price by its trail; it is checked against the level
  set by the bars before, then moved with this bar's extreme (never loosened).
- A bracket's exits: a bar that reaches both the stop and a target counts as the stop, as
  signals/engine/outcomes.py scores signals (inside one bar we cannot know which came first),
  also when the bar opened beyond the target. On the bar the entry fills, targets may fill only
  when the entry filled at the open (the rest of the bar came after it); the stop is checked
  whatever the entry (the conservative case).
- Time in force: GTD orders expire on a bar that closes after `expires_at`; DAY orders live for
  the first trading session (market.calendars.trading_day) they see.
- A tick is a bar with open = high = low = close (`Bar.tick`).
Prices that are set by the broker (fills, trailing levels) are rounded to the instrument's tick.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from market.arrays import BarArrays, InstrumentSpec
from market.calendars import trading_day
from portfolios.broker.costs import FREE, CostModel, FillPolicy
from portfolios.broker.orders import Order, OrderStatus, OrderType, Side, TimeInForce
from signals.engine.levels import round_to_tick

QUANTITY_EPSILON = 1e-9


@dataclass(frozen=True)
class Bar:
    """One closed bar of one instrument (mid prices); `time` is its open time (epoch s)."""

    time: int
    open: float
    high: float
    low: float
    close: float
    session_day: int | None = None  # its trading day (epoch s); computed from the calendar when None

    @classmethod
    def tick(cls, time: int, price: float) -> Bar:
        """A replayed tick as a bar of one price."""
        return cls(time, price, price, price, price)

    @classmethod
    def from_arrays(cls, bars: BarArrays, index: int, session_day: int | None = None) -> Bar:
        return cls(int(bars.time[index]), float(bars.open[index]), float(bars.high[index]),
                   float(bars.low[index]), float(bars.close[index]), session_day)


@dataclass(frozen=True)
class Fill:
    order_id: str
    symbol: str
    side: Side
    quantity: float  # units
    price: float  # quote currency, spread and slippage included
    commission: float  # in `commission_currency`, >= 0
    commission_currency: str
    bar_time: int  # open time of the bar it filled on
    time: int  # when the broker recorded it (the bar's close)
    at_open: bool  # filled at the bar's open: a market order, or a bar that opened beyond the order's price


@dataclass(frozen=True)
class BarMatch:
    orders: list[Order]  # every order given, in the same order, as it stands after the bar
    fills: list[Fill]


@dataclass(frozen=True)
class _Context:
    bar: Bar
    instrument: InstrumentSpec
    costs: CostModel
    time: int
    half_spread: float
    slippage: float
    trade_through: float  # price units a limit must be traded through
    tolerance: float  # a millionth of a tick: prices this close are equal (binary noise of decimal prices)

    def executable(self, side: Side) -> tuple[float, float, float]:
        """Open, worst and best price the side could trade at in this bar (a buy's ask: mid + half spread)."""
        shift = side.sign * self.half_spread
        worst, best = (self.bar.high, self.bar.low) if side is Side.BUY else (self.bar.low, self.bar.high)
        return self.bar.open + shift, worst + shift, best + shift


def orders_match(orders: Sequence[Order], bar: Bar, *, instrument: InstrumentSpec, time: int,
                 costs: CostModel = FREE, policy: FillPolicy | None = None) -> BarMatch:
    """The open orders of one instrument (any number of portfolios) after one closed bar, and their fills.

    `time` is when the bar closed (epoch s). A bracket's open orders must come together; its
    stop's quantity is what is still open of the bracket.
    """
    _check_bar(bar)
    policy = policy or FillPolicy()
    ctx = _Context(bar=bar, instrument=instrument, costs=costs, time=time,
                   half_spread=costs.half_spread(bar.open, instrument),
                   slippage=costs.slippage.at(bar.open, instrument),
                   trade_through=policy.limit_trade_through_ticks * instrument.tick_size,
                   tolerance=instrument.tick_size * 1e-6)
    session_day = _SessionDay(bar, instrument)
    updated = {order.id: order for order in orders}
    fills: list[Fill] = []
    brackets: dict[str, list[Order]] = {}
    for order in orders:
        if not order.is_open or order.symbol != instrument.symbol:
            continue
        if order.bracket_id is not None:
            brackets.setdefault(order.bracket_id, []).append(order)
            continue
        after, fill = _match_alone(order, ctx, session_day)
        updated[order.id] = after
        fills.extend([fill] if fill else [])
    for members in brackets.values():
        for after, fill in _match_bracket(members, ctx, session_day):
            updated[after.id] = after
            fills.extend([fill] if fill else [])
    return BarMatch(orders=[updated[order.id] for order in orders], fills=fills)


class _SessionDay:
    """The bar's trading day, computed once and only when a DAY order asks."""

    def __init__(self, bar: Bar, instrument: InstrumentSpec):
        self.bar, self.calendar, self._day = bar, instrument.calendar, bar.session_day

    def __call__(self) -> int:
        if self._day is None:
            self._day = int(trading_day(self.calendar, np.array([self.bar.time], dtype=np.int64))[0])
        return self._day


def _check_bar(bar: Bar) -> None:
    prices = (bar.open, bar.high, bar.low, bar.close)
    if not all(math.isfinite(p) and p > 0 for p in prices):
        raise ValueError(f"The bar at {bar.time} has a price that is not a positive number: {prices}.")
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise ValueError(f"The bar at {bar.time} is not a bar: low <= open, close <= high fails: {prices}.")


def _expired(order: Order, ctx: _Context, session_day: _SessionDay) -> tuple[Order, bool]:
    """The order with its session noted, and whether it expired before this bar could fill it."""
    if order.time_in_force is TimeInForce.GTD and order.expires_at is not None and ctx.time > order.expires_at:
        return _close(order, OrderStatus.EXPIRED, ctx, "It expired at its good-till time."), True
    if order.time_in_force is TimeInForce.DAY:
        day = session_day()
        if order.session_day is None:
            return replace(order, session_day=day), False
        if day > order.session_day:
            return _close(order, OrderStatus.EXPIRED, ctx, "A day order expires when its session ends."), True
    return order, False


def _match_alone(order: Order, ctx: _Context, session_day: _SessionDay) -> tuple[Order, Fill | None]:
    if order.created_at > ctx.bar.time or order.status is not OrderStatus.WORKING:
        return order, None
    order, expired = _expired(order, ctx, session_day)
    if expired:
        return order, None
    order, hit = _reached(order, ctx)
    if hit is None:
        return (_trail(order, ctx, ctx.bar) if order.type is OrderType.TRAILING_STOP else order), None
    return _filled(order, order.remaining, hit, ctx)


def _reached(order: Order, ctx: _Context) -> tuple[Order, tuple[float, bool] | None]:
    """The order (a stop-limit may now be triggered, a trailing stop placed) and, when it fills
    on this bar, (price before rounding, whether at the open)."""
    sign = order.side.sign
    opening, worst, best = ctx.executable(order.side)
    if order.type is OrderType.MARKET:
        return order, (opening + sign * ctx.slippage, True)
    if order.type is OrderType.LIMIT or (order.type is OrderType.STOP_LIMIT and order.triggered):
        return order, _limit_reached(order.side, _price(order.limit_price), opening, best, ctx)
    if order.type is OrderType.TRAILING_STOP and order.stop_price is None:  # placed at this bar's open
        order = _trail_from(order, ctx.bar.open, ctx)
    stop = _price(order.stop_price)
    if sign * (worst - stop) < -ctx.tolerance:
        return order, None
    gapped = sign * (opening - stop) >= -ctx.tolerance
    reached_at = opening if gapped else stop
    if order.type is not OrderType.STOP_LIMIT:
        return order, (reached_at + sign * ctx.slippage, gapped)
    if sign * (reached_at - _price(order.limit_price)) <= ctx.tolerance:
        return order, (reached_at, gapped)
    return replace(order, triggered=True), None


def _limit_reached(side: Side, limit: float, opening: float, best: float,
                   ctx: _Context) -> tuple[float, bool] | None:
    sign = side.sign
    if sign * (opening - limit) <= ctx.tolerance:
        return opening, True  # opened at or beyond the limit: the open is the better price
    if sign * (best - limit) <= -ctx.trade_through + ctx.tolerance:
        return limit, False
    return None


def _price(value: float | None) -> float:
    if value is None:
        raise ValueError("The order lacks the price its type needs: validate it before placing it.")
    return value


def _filled(order: Order, quantity: float, hit: tuple[float, bool], ctx: _Context) -> tuple[Order, Fill]:
    price = round_to_tick(hit[0], ctx.instrument.tick_size)
    commission = ctx.costs.commission
    fill = Fill(order_id=order.id, symbol=order.symbol, side=order.side, quantity=quantity, price=price,
                commission=commission.amount(quantity, price, ctx.instrument),
                commission_currency=commission.currency_of(ctx.instrument), bar_time=ctx.bar.time, time=ctx.time,
                at_open=hit[1])
    after = replace(order, quantity=order.filled_quantity + quantity, filled_quantity=order.filled_quantity + quantity,
                    average_fill_price=price, status=OrderStatus.FILLED, closed_at=ctx.time)
    return after, fill


def _close(order: Order, status: OrderStatus, ctx: _Context, reason: str) -> Order:
    return replace(order, status=status, closed_at=ctx.time, reason=reason)


def _trail_distance(order: Order, anchor: float) -> float:
    if order.trail_amount is not None:
        return order.trail_amount
    return anchor * _price(order.trail_percent) / 100


def _trail_from(order: Order, anchor: float, ctx: _Context) -> Order:
    """A trailing stop placed `trail` away from `anchor`."""
    level = round_to_tick(anchor + order.side.sign * _trail_distance(order, anchor), ctx.instrument.tick_size)
    return replace(order, trail_anchor=anchor, stop_price=level)


def _trail(order: Order, ctx: _Context, bar: Bar, *, best: float | None = None) -> Order:
    """The trailing stop moved with the bar's best price for the position (a sell stop follows the
    high, a buy stop the low), never loosened."""
    sign = order.side.sign
    seen = best if best is not None else (bar.high if order.side is Side.SELL else bar.low)
    anchor = seen if order.trail_anchor is None or sign * (seen - order.trail_anchor) < 0 else order.trail_anchor
    level = round_to_tick(anchor + sign * _trail_distance(order, anchor), ctx.instrument.tick_size)
    stop = _price(order.stop_price)
    return replace(order, trail_anchor=anchor, stop_price=level if sign * (level - stop) < 0 else stop)


def _match_bracket(members: list[Order], ctx: _Context,
                   session_day: _SessionDay) -> list[tuple[Order, Fill | None]]:
    """Entry first; once it has filled, the exits (stop first, then the targets in order)."""
    entry = next((o for o in members if o.role == "entry"), None)
    exits = [o for o in members if o.role != "entry"]
    results: list[tuple[Order, Fill | None]] = []
    entered_in_bar = at_open = False
    if entry is not None:
        entry_after, fill = _match_alone(entry, ctx, session_day)
        results.append((entry_after, fill))
        if fill is None:
            if not entry_after.is_open:
                why = f"Its entry {entry_after.status.value}."
                results.extend((_close(o, OrderStatus.CANCELLED, ctx, why), None) for o in exits)
            else:
                results.extend((o, None) for o in exits)
            return results
        entered_in_bar, at_open = True, fill.at_open
        exits = [_activate(o, fill) for o in exits]
    results.extend(_match_exits(exits, ctx, allow_targets=at_open or not entered_in_bar,
                                intrabar_entry=entered_in_bar and not at_open))
    return results


def _activate(exit_order: Order, entry_fill: Fill) -> Order:
    """An exit of a bracket made working by its entry's fill (a trailing stop keeps the entry's distance)."""
    if exit_order.status is not OrderStatus.PENDING:
        return exit_order
    working = replace(exit_order, status=OrderStatus.WORKING)
    if exit_order.type is OrderType.TRAILING_STOP:
        stop = _price(exit_order.stop_price)
        amount = exit_order.trail_amount
        if amount is None and exit_order.trail_percent is None:
            amount = abs(entry_fill.price - stop)
        working = replace(working, trail_anchor=entry_fill.price, trail_amount=amount)
    return working


def _match_exits(exits: list[Order], ctx: _Context, *, allow_targets: bool,
                 intrabar_entry: bool) -> list[tuple[Order, Fill | None]]:
    stop = next((o for o in exits if o.role == "stop" and o.is_open), None)
    targets = sorted((o for o in exits if o.role.startswith("target") and o.is_open), key=lambda o: o.role)
    done: dict[str, tuple[Order, Fill | None]] = {o.id: (o, None) for o in exits}
    if stop is not None:
        stop, hit = _reached(stop, ctx)
        if hit is not None:
            done[stop.id] = _filled(stop, stop.quantity, hit, ctx)
            for target in targets:
                done[target.id] = (_close(target, OrderStatus.CANCELLED, ctx,
                                          "The stop filled: one cancels the other."), None)
            return [done[o.id] for o in exits]
    remaining = stop.quantity if stop is not None else math.inf
    if allow_targets:
        for target in targets:
            target, hit = _reached(target, ctx)
            if hit is not None and remaining > QUANTITY_EPSILON:
                target_after, fill = _filled(target, min(target.remaining, remaining), hit, ctx)
                done[target.id] = (target_after, fill)
                remaining -= fill.quantity
    remaining = 0.0 if remaining <= QUANTITY_EPSILON else remaining
    for target in targets:
        current, filled = done[target.id]
        if filled is None and remaining == 0.0:
            cancelled = _close(current, OrderStatus.CANCELLED, ctx, "Nothing of the bracket is left open.")
            done[target.id] = (cancelled, None)
        elif filled is None and current.remaining > remaining:
            done[target.id] = (replace(current, quantity=remaining), None)
    if stop is not None:
        if remaining == 0.0:
            done[stop.id] = (_close(stop, OrderStatus.CANCELLED, ctx, "Every target filled: one cancels the other."),
                             None)
        else:
            stop = replace(stop, quantity=remaining)
            if stop.type is OrderType.TRAILING_STOP:
                stop = _trail(stop, ctx, ctx.bar, best=ctx.bar.close if intrabar_entry else None)
            done[stop.id] = (stop, None)
    return [done[o.id] for o in exits]
