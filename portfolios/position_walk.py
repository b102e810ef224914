"""The fills of one bar walked through a portfolio's position row: open, add, reduce, close (a Trade for
the journal), flip. Nothing is written here: the walk says which rows to save, delete and create, and the
caller stores them (one portfolio at a time, or every portfolio of the bar at once: portfolios.bulk).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from market.models import Instrument
from portfolios.books import position_from_row, utc
from portfolios.broker.accounts import CashEntry, Position, position_after_fill
from portfolios.broker.matching import Fill
from portfolios.models import PaperOrder, PaperPosition, Trade

# What the walk changes on a stored position row (the mark sets its price, high and low seen, swap).
POSITION_WALK_FIELDS = ["quantity", "average_price", "last_price", "entry_quantity", "exit_quantity", "exit_value",
                        "realized_pnl", "costs"]


@dataclass
class PositionChanges:
    """What to store after the walk: `kept` is the row left open (unsaved when new, pk None), `deleted`
    the stored rows that went flat, `trades` the journal entries of the trades closed (unsaved)."""

    kept: PaperPosition | None = None
    deleted: list[PaperPosition] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)


def position_fills_walk(*, portfolio_id: int, row: PaperPosition | None, fills: Iterable[Fill],
                        entries: Iterable[CashEntry], by_ref: Mapping[str, PaperOrder], instrument: Instrument,
                        bar_close: float) -> PositionChanges:
    """Walk `fills` (of one instrument, in order) through its position `row` (None when flat); `entries` are the
    realised P&L and commissions of those fills (by order ref), `by_ref` the portfolio's orders of the bar."""
    realized: defaultdict[str, float] = defaultdict(float)
    commission: defaultdict[str, float] = defaultdict(float)
    for entry in entries:
        if entry.kind == "realized_pnl":
            realized[entry.order_id] += entry.amount
        elif entry.kind == "commission":
            commission[entry.order_id] += entry.amount
    changes = PositionChanges()
    for fill in fills:
        order = by_ref[fill.order_id]
        before = position_from_row(row) if row is not None else None
        after, _ = position_after_fill(before, fill)
        if row is None:
            row = _position_open(portfolio_id, instrument, order, by_ref, fill, after)
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
            changes.trades.append(_trade_closed(row, fill))
            if row.pk is not None:  # a row opened by an earlier fill of this bar was never stored: nothing to delete
                changes.deleted.append(row)
            row = _position_open(portfolio_id, instrument, order, by_ref, fill, after) if crossed and after else None
            continue
        row.quantity, row.average_price, row.last_price = after.quantity, after.average_price, after.last_price
        row.entry_quantity = max(row.entry_quantity, abs(after.quantity))
    if row is not None:
        row.last_price = bar_close
    changes.kept = row
    return changes


def _position_open(portfolio_id: int, instrument: Instrument, order: PaperOrder, by_ref: Mapping[str, PaperOrder],
                   fill: Fill, position: Position | None) -> PaperPosition:
    assert position is not None
    stop = next((o.stop_price for o in by_ref.values() if o.bracket_ref and o.bracket_ref == order.bracket_ref
                 and o.role == "stop"), None) if order.role == "entry" else None
    return PaperPosition(portfolio_id=portfolio_id, instrument=instrument, signal_id=order.signal_id,
                         quantity=position.quantity, average_price=position.average_price, last_price=fill.price,
                         opened_at=fill.time, swap_through=position.swap_through, initial_stop=stop,
                         high_seen=fill.price, low_seen=fill.price, entry_quantity=abs(position.quantity))


def _trade_closed(row: PaperPosition, fill: Fill) -> Trade:
    """The journal entry (unsaved) of a position that went flat (or flipped) on `fill`."""
    long = row.quantity > 0
    direction = 1.0 if long else -1.0
    exit_price = row.exit_value / row.exit_quantity if row.exit_quantity else fill.price
    high, low = max(row.high_seen, fill.price), min(row.low_seen, fill.price)
    risk = abs(row.average_price - row.initial_stop) if row.initial_stop is not None else 0.0
    best, worst = (high, low) if long else (low, high)

    def in_r(price: float) -> float | None:
        return (price - row.average_price) * direction / risk if risk > 0 else None

    return Trade(
        portfolio_id=row.portfolio_id, instrument=row.instrument, signal_id=row.signal_id,
        side="long" if long else "short", quantity=row.entry_quantity, entry_price=row.average_price,
        exit_price=exit_price, opened_at=utc(row.opened_at), closed_at=utc(fill.time),
        duration_seconds=max(fill.time - row.opened_at, 0), pnl=row.realized_pnl + row.costs, costs=row.costs,
        initial_stop=row.initial_stop, r_multiple=in_r(exit_price), mfe_r=in_r(best), mae_r=in_r(worst),
        mfe_price=best, mae_price=worst)
