"""Orders a subscriber can place on a paper portfolio, and why a bad one is refused. No Django.

- Types: market, limit, stop, stop-limit and trailing stop; time in force GTC, DAY (the first
  trading session the order sees) or GTD (until `expires_at`).
- A bracket is an entry order with exit orders that wait for it (`parent_id`) and share its
  `bracket_id`: a stop for the whole quantity and up to three take-profit limits for parts of it.
  The exits are one-cancels-other with reduction: each fill shrinks the others to what is still
  open, so the stop covers the rest after target 1, and all are cancelled once nothing is left.
- `order_validate` and `bracket_orders` raise `OrderRejected`, which carries {field: [messages]}
  (the API answers 400 with it); nothing is placed when an order is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from market.arrays import InstrumentSpec

FOREX_MIN_LOTS = 0.01  # a micro lot: the default quantity step of forex, in lots
CRYPTO_QUANTITY_STEP = 1e-8  # a satoshi
MAX_TARGETS = 3
Refuse = Callable[[str, str], None]  # records (field, message)


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    GTC = "gtc"  # good till cancelled
    DAY = "day"  # the first trading session the order sees, then expired
    GTD = "gtd"  # good till `expires_at`


class OrderStatus(StrEnum):
    PENDING = "pending"  # an exit of a bracket waiting for its entry to fill
    WORKING = "working"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.WORKING})


@dataclass(frozen=True)
class Order:
    """One order: what was asked (first block) and what the broker has done with it (second block,
    which a caller stores back with the order and gives again with it on the next bar)."""

    id: str
    symbol: str
    side: Side
    quantity: float  # units, > 0
    type: OrderType = OrderType.MARKET
    limit_price: float | None = None  # limit and stop-limit
    stop_price: float | None = None  # stop, stop-limit; a trailing stop's current level
    trail_amount: float | None = None  # trailing stop: distance in price units ...
    trail_percent: float | None = None  # ... or in percent of the best price
    time_in_force: TimeInForce = TimeInForce.GTC
    expires_at: int | None = None  # GTD: epoch s
    created_at: int = 0  # epoch s; the order can fill on bars opening at or after it
    parent_id: str | None = None  # a bracket's exit: works once this order has filled
    bracket_id: str | None = None
    role: str = ""  # in a bracket: "entry", "stop", "target_1", "target_2", "target_3"

    status: OrderStatus = OrderStatus.WORKING
    filled_quantity: float = 0.0
    average_fill_price: float | None = None
    triggered: bool = False  # a stop-limit whose stop was reached: now a limit
    trail_anchor: float | None = None  # trailing stop: the best price seen since it started
    session_day: int | None = None  # DAY: the trading day of the first session it saw (epoch s)
    closed_at: int | None = None
    reason: str = ""  # why it was cancelled or expired, for the subscriber

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> float:
        """Units still to fill."""
        return max(self.quantity - self.filled_quantity, 0.0)


@dataclass(frozen=True)
class Target:
    """A take-profit level of a bracket and the fraction of the entry quantity it closes."""

    price: float
    fraction: float


class OrderRejected(ValueError):
    """A bad order, refused: `fields` maps each field at fault to its messages."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in fields.items()))


def quantity_step(instrument: InstrumentSpec) -> float:
    """The smallest quantity increment in units: the instrument's own, else 0.01 lot for forex,
    one share for stocks, 1e-8 for crypto."""
    if instrument.quantity_step:
        return instrument.quantity_step
    if instrument.asset_class == "forex":
        return FOREX_MIN_LOTS * instrument.lot_size
    return CRYPTO_QUANTITY_STEP if instrument.asset_class == "crypto" else 1.0


def lots_to_units(lots: float, instrument: InstrumentSpec) -> float:
    """Units of `lots` lots (1 forex lot = 100,000 units of the base currency)."""
    return lots * instrument.lot_size


def is_multiple(value: float, step: float) -> bool:
    """Whether `value` is a whole number of `step`s, exactly in decimal (0.3 is 3 x 0.1)."""
    ratio = Decimal(repr(value)) / Decimal(repr(step))
    return ratio == ratio.to_integral_value()


def floor_to_step(value: float, step: float) -> float:
    """The largest multiple of `step` not above `value`, without binary noise."""
    steps = (Decimal(repr(value)) / Decimal(repr(step))).to_integral_value(rounding="ROUND_FLOOR")
    return float(steps * Decimal(repr(step)))


def order_validate(order: Order, instrument: InstrumentSpec, *, reference_price: float | None = None) -> None:
    """Raise OrderRejected with a message per field when `order` cannot be placed.

    `reference_price` (the last close) lets it refuse a stop on the wrong side of the market.
    """
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if order.symbol != instrument.symbol:
        refuse("symbol", f"{order.symbol} is not {instrument.symbol}.")
    _check_quantity(order.quantity, instrument, refuse)
    needs_limit = order.type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    needs_stop = order.type in (OrderType.STOP, OrderType.STOP_LIMIT)
    for field, needed, value in (("limit_price", needs_limit, order.limit_price),
                                 ("stop_price", needs_stop, order.stop_price)):
        if needed and value is None:
            refuse(field, f"A {order.type.value.replace('_', '-')} order needs a {field.replace('_', ' ')}.")
        elif value is not None:
            _check_price(field, value, instrument, refuse)
    if order.type is OrderType.TRAILING_STOP:
        _check_trail(order, refuse)
    if (order.type is OrderType.STOP_LIMIT and order.limit_price is not None and order.stop_price is not None
            and order.side.sign * (order.limit_price - order.stop_price) < 0):
        refuse("limit_price", f"A {order.side.value} stop-limit's limit must be "
                              f"{'at or above' if order.side is Side.BUY else 'at or below'} its stop.")
    if (reference_price is not None and order.stop_price is not None and order.type is not OrderType.TRAILING_STOP
            and order.side.sign * (order.stop_price - reference_price) <= 0):
        refuse("stop_price", f"A {order.side.value} stop must be {'above' if order.side is Side.BUY else 'below'} "
                             f"the market ({reference_price:g}), or it fills at once.")
    if order.time_in_force is TimeInForce.GTD:
        if order.expires_at is None:
            refuse("expires_at", "A good-till-date order needs an expiry time.")
        elif order.expires_at <= order.created_at:
            refuse("expires_at", "The expiry must be after the order is placed.")
    if errors:
        raise OrderRejected(errors)


def _check_quantity(quantity: float, instrument: InstrumentSpec, refuse: Refuse) -> None:
    step = quantity_step(instrument)
    if not math.isfinite(quantity) or quantity <= 0:
        refuse("quantity", "The quantity must be a number above zero.")
    elif not is_multiple(quantity, step):
        if instrument.asset_class == "forex":
            unit = f"{step / instrument.lot_size:g} lot ({step:g} units)"
        else:
            unit = f"{step:g}"
        refuse("quantity", f"The quantity must be a multiple of {unit}.")


def _check_price(field: str, price: float, instrument: InstrumentSpec, refuse: Refuse) -> None:
    if not math.isfinite(price) or price <= 0:
        refuse(field, "The price must be a number above zero.")
    elif not is_multiple(price, instrument.tick_size):
        refuse(field, f"The price must be a multiple of the tick size {instrument.tick_size:g}.")


def _check_trail(order: Order, refuse: Refuse) -> None:
    given = [(name, value) for name, value in (("trail_amount", order.trail_amount),
                                               ("trail_percent", order.trail_percent)) if value is not None]
    if len(given) != 1 and order.role != "stop":  # a bracket's trailing stop takes its distance at entry
        refuse("trail_amount", "A trailing stop needs either a trail amount or a trail percent.")
    for name, value in given:
        if not math.isfinite(value) or value <= 0 or (name == "trail_percent" and value >= 100):
            refuse(name, "The trail must be above zero" + (" and below 100%." if name == "trail_percent" else "."))


def bracket_orders(*, id: str, symbol: str, side: Side, quantity: float, stop: float, targets: Sequence[Target],
                   instrument: InstrumentSpec, created_at: int, entry_type: OrderType = OrderType.MARKET,
                   entry_price: float | None = None, entry_stop_price: float | None = None,
                   trailing_stop: bool = False, time_in_force: TimeInForce = TimeInForce.GTC,
                   expires_at: int | None = None, reference_price: float | None = None) -> list[Order]:
    """The entry, stop and target orders of a bracket, or OrderRejected with a message per field.

    Target quantities are their fractions of `quantity` rounded down to the quantity step; the
    last target takes what rounding left when the fractions add up to 1. A trailing stop keeps
    the distance between the entry's fill and `stop`. Entry limit and stop prices go in
    `entry_price` (and `entry_stop_price` for a stop-limit entry).
    """
    limit = entry_price if entry_type in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    trigger = entry_stop_price if entry_type is OrderType.STOP_LIMIT else (
        entry_price if entry_type is OrderType.STOP else None)
    entry = Order(id=id, symbol=symbol, side=side, quantity=quantity, type=entry_type, limit_price=limit,
                  stop_price=trigger, time_in_force=time_in_force, expires_at=expires_at, created_at=created_at,
                  bracket_id=id, role="entry")
    errors: dict[str, list[str]] = {}
    try:
        order_validate(entry, instrument, reference_price=reference_price)
    except OrderRejected as rejected:  # named as the caller named them
        renamed = {"limit_price": "entry_price",
                   "stop_price": "entry_stop_price" if entry_type is OrderType.STOP_LIMIT else "entry_price"}
        for field, messages in rejected.fields.items():
            errors.setdefault(renamed.get(field, field), []).extend(messages)
    reference = reference_price if entry_type is OrderType.MARKET else entry_price
    quantities = _target_quantities(quantity, targets, instrument, errors)
    _check_levels(side, stop, targets, reference, instrument, errors)
    if errors:
        raise OrderRejected(errors)

    exit_side = Side.SELL if side is Side.BUY else Side.BUY
    stop_order = Order(id=f"{id}:stop", symbol=symbol, side=exit_side, quantity=quantity,
                       type=OrderType.TRAILING_STOP if trailing_stop else OrderType.STOP, stop_price=stop,
                       created_at=created_at, parent_id=id, bracket_id=id, role="stop", status=OrderStatus.PENDING)
    target_orders = [Order(id=f"{id}:target_{n}", symbol=symbol, side=exit_side, quantity=q, type=OrderType.LIMIT,
                           limit_price=t.price, created_at=created_at, parent_id=id, bracket_id=id,
                           role=f"target_{n}", status=OrderStatus.PENDING)
                     for n, (t, q) in enumerate(zip(targets, quantities, strict=True), start=1)]
    return [entry, stop_order, *target_orders]


def _target_quantities(quantity: float, targets: Sequence[Target], instrument: InstrumentSpec,
                       errors: dict[str, list[str]]) -> list[float]:
    if len(targets) > MAX_TARGETS:
        errors.setdefault("targets", []).append(f"A bracket has at most {MAX_TARGETS} targets.")
        return []
    fractions = [t.fraction for t in targets]
    if any(not math.isfinite(f) or f <= 0 for f in fractions):
        errors.setdefault("targets", []).append("Each target's fraction must be above zero.")
        return []
    total = math.fsum(fractions)
    if total > 1 + 1e-9:
        errors.setdefault("targets", []).append(f"The target fractions add up to {total:g}, more than 1.")
        return []
    if not math.isfinite(quantity) or quantity <= 0:
        return []
    step = quantity_step(instrument)
    quantities = [floor_to_step(quantity * f, step) for f in fractions]
    if quantities and abs(total - 1) <= 1e-9:
        quantities[-1] = floor_to_step(quantity - math.fsum(quantities[:-1]), step)
    if any(q <= 0 for q in quantities):
        errors.setdefault("targets", []).append(
            f"A target's part of the quantity is less than one quantity step ({step:g}).")
    return quantities


def _check_levels(side: Side, stop: float, targets: Sequence[Target], reference: float | None,
                  instrument: InstrumentSpec, errors: dict[str, list[str]]) -> None:
    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    _check_price("stop", stop, instrument, refuse)
    for target in targets:
        _check_price("targets", target.price, instrument, refuse)
    if errors.get("stop") or errors.get("targets"):
        return
    sign, direction = side.sign, ("below" if side is Side.BUY else "above")
    if reference is not None and sign * (reference - stop) <= 0:
        refuse("stop", f"A {side.value}'s stop must be {direction} the entry ({reference:g}).")
    for n, target in enumerate(targets, start=1):
        if sign * (target.price - stop) <= 0 or (reference is not None and sign * (target.price - reference) <= 0):
            refuse("targets", f"Target {n} must be {'above' if side is Side.BUY else 'below'} the entry and the stop.")
    prices = [t.price for t in targets]
    if any(sign * (later - earlier) <= 0 for earlier, later in pairwise(prices)):
        refuse("targets", "Each target must be further from the entry than the one before.")


def order_cancel(orders: Sequence[Order], order_id: str, *, time: int,
                 reason: str = "Cancelled by the subscriber.") -> list[Order]:
    """The orders with `order_id` cancelled, and with it the exits of its bracket still waiting for it.

    Raises KeyError when no open order has that id.
    """
    target = next((o for o in orders if o.id == order_id and o.is_open), None)
    if target is None:
        raise KeyError(order_id)

    def cancelled(order: Order) -> Order:
        return replace(order, status=OrderStatus.CANCELLED, closed_at=time, reason=reason)

    return [cancelled(o) if o.id == order_id or (o.parent_id == order_id and o.status is OrderStatus.PENDING)
            else o for o in orders]
