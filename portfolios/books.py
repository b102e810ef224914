"""Between rows and the pure broker: a PaperOrder is a broker Order and back, a portfolio's rows a
Book, an Instrument its full InstrumentSpec, the market's FX closes a dict. Reads only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from django.conf import settings

from market.arrays import InstrumentSpec
from market.models import AssetClass, Bar, Instrument
from market.timeframes import Timeframe
from portfolios.broker.accounts import Account, Book, Market, Position
from portfolios.broker.costs import CostModel, cost_model_for
from portfolios.broker.fx import MissingRate, fx_rate
from portfolios.broker.matching import Bar as BrokerBar
from portfolios.broker.orders import Order, OrderStatus, OrderType, Side, TimeInForce
from portfolios.models import PaperOrder, PaperPosition, Portfolio

ORDER_STATE_FIELDS = ["quantity", "status", "filled_quantity", "average_fill_price", "triggered", "trail_anchor",
                      "session_day", "closed_at", "reason", "stop_price", "trail_amount"]


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def instrument_spec(instrument: Instrument) -> InstrumentSpec:
    """Everything the broker reads of an instrument (Instrument.spec has only what the engine sizes with)."""
    return InstrumentSpec(symbol=instrument.symbol, asset_class=instrument.asset_class, tick_size=instrument.tick_size,
                          price_precision=instrument.price_precision, pip_size=instrument.pip_size,
                          lot_size=instrument.lot_size, base_currency=instrument.base_currency,
                          quote_currency=instrument.quote_currency, venue=instrument.venue,
                          calendar=instrument.calendar)


def market_for(instruments: Iterable[Instrument]) -> Market:
    """The broker's market of these instruments, each with its venue's default costs (and swap rates)."""
    specs = {i.symbol: instrument_spec(i) for i in instruments}
    return Market(instruments=specs, costs={symbol: costs_of(spec) for symbol, spec in specs.items()})


def costs_of(instrument: InstrumentSpec) -> CostModel:
    """The venue's default costs with the swap rates of settings.PAPER_SWAP_PIPS (none: no swap)."""
    costs = cost_model_for(instrument)
    swap = settings.PAPER_SWAP_PIPS.get(instrument.symbol)
    if swap is None:
        return costs
    return replace(costs, swap_long_pips=float(swap[0]), swap_short_pips=float(swap[1]))


def order_from_row(row: PaperOrder, *, scope: str = "") -> Order:
    """The broker's Order of the row; `scope` prefixes its refs (one broker call matching several portfolios'
    orders tells them apart by it)."""
    return Order(id=scope + row.ref, symbol=row.instrument.symbol, side=Side(row.side), quantity=row.quantity,
                 type=OrderType(row.type), limit_price=row.limit_price, stop_price=row.stop_price,
                 trail_amount=row.trail_amount, trail_percent=row.trail_percent,
                 time_in_force=TimeInForce(row.time_in_force), expires_at=row.expires_at, created_at=row.created_at,
                 parent_id=scope + row.parent_ref if row.parent_ref else None,
                 bracket_id=scope + row.bracket_ref if row.bracket_ref else None, role=row.role,
                 status=OrderStatus(row.status), filled_quantity=row.filled_quantity,
                 average_fill_price=row.average_fill_price, triggered=row.triggered, trail_anchor=row.trail_anchor,
                 session_day=row.session_day, closed_at=row.closed_at, reason=row.reason)


def order_row_from(order: Order, *, portfolio: Portfolio, instrument: Instrument, timeframe: str,
                   signal_id: int | None = None) -> PaperOrder:
    return PaperOrder(portfolio=portfolio, instrument=instrument, timeframe=timeframe, signal_id=signal_id,
                      ref=order.id, side=order.side.value, quantity=order.quantity, type=order.type.value,
                      limit_price=order.limit_price, stop_price=order.stop_price, trail_amount=order.trail_amount,
                      trail_percent=order.trail_percent, time_in_force=order.time_in_force.value,
                      expires_at=order.expires_at, created_at=order.created_at, parent_ref=order.parent_id or "",
                      bracket_ref=order.bracket_id or "", role=order.role, status=order.status.value,
                      filled_quantity=order.filled_quantity, average_fill_price=order.average_fill_price,
                      triggered=order.triggered, trail_anchor=order.trail_anchor, session_day=order.session_day,
                      closed_at=order.closed_at, reason=order.reason)


def order_row_update(row: PaperOrder, order: Order) -> None:
    """Copy the broker's state of `order` onto its row (saved by the caller with ORDER_STATE_FIELDS)."""
    row.quantity, row.status, row.filled_quantity = order.quantity, order.status.value, order.filled_quantity
    row.average_fill_price, row.triggered = order.average_fill_price, order.triggered
    row.trail_anchor = order.trail_anchor
    row.session_day, row.closed_at, row.reason = order.session_day, order.closed_at, order.reason
    row.stop_price, row.trail_amount = order.stop_price, order.trail_amount


def position_from_row(row: PaperPosition) -> Position:
    return Position(symbol=row.instrument.symbol, quantity=row.quantity, average_price=row.average_price,
                    last_price=row.last_price, opened_at=row.opened_at, swap_through=row.swap_through)


def book_of(portfolio: Portfolio, *, positions: Iterable[PaperPosition], orders: Iterable[PaperOrder] = ()) -> Book:
    """The broker's Book of the portfolio: its account, these positions and these open orders."""
    account = Account(currency=portfolio.currency, cash=portfolio.cash, equity=portfolio.equity, day=portfolio.day,
                      day_start_equity=portfolio.day_start_equity)
    return Book(account=account, positions={p.instrument.symbol: position_from_row(p) for p in positions},
                orders=tuple(order_from_row(o) for o in orders))


def bar_of(row: Bar) -> BrokerBar:
    return BrokerBar(epoch(row.time), row.open, row.high, row.low, row.close)


def fx_closes_latest() -> dict[str, float]:
    """The newest close of every forex pair, by symbol (converting P&L between currencies)."""
    closes: dict[str, float] = {}
    for instrument in Instrument.objects.filter(asset_class=AssetClass.FOREX):
        close = (Bar.objects.filter(instrument=instrument).order_by("-time").values_list("close", flat=True).first())
        if close is not None and len(instrument.symbol) == 6:
            closes[instrument.symbol] = close
    return closes


def rate_to(currency: str, account: str, fx_closes: dict[str, float]) -> float | None:
    """Units of `account` per unit of `currency`; None when no FX close links them."""
    try:
        return float(fx_rate(currency, account, fx_closes))
    except (MissingRate, ValueError):
        return None


def timeframe_default(instrument: Instrument) -> str | None:
    """The timeframe an order on `instrument` fills on when none is named: the one of its newest bar
    (the finest when several are fed)."""
    newest = Bar.objects.filter(instrument=instrument).order_by("-time").values_list("timeframe", flat=True)[:20]
    found = set(newest)
    if not found:
        return None
    return min(found, key=lambda tf: Timeframe(tf).seconds)


def last_bar(instrument: Instrument, timeframe: str) -> Bar | None:
    return Bar.objects.filter(instrument=instrument, timeframe=timeframe).order_by("-time").first()
