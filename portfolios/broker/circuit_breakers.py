"""Circuit breakers: limits that block new orders, each with a reason a subscriber can read. No Django.

- Daily loss limit: no new order once equity is down `daily_loss_limit` (a fraction) or more
  from the day's starting equity (accounts: the UTC day).
- Max open positions: no order that would open a position in a new instrument once
  `max_open_positions` are held.
- Max correlation cluster exposure: the order's instrument and the held instruments whose
  returns correlate with it at `correlation_threshold` or more (in absolute value) form its
  cluster; their exposure, each signed by its correlation's sign and with the order added, may not
  exceed `max_cluster_exposure` of equity.
An order that only reduces a position passes every breaker: cutting risk is never blocked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from portfolios.broker.accounts import Book, Market, book_place
from portfolios.broker.fx import Rate, fx_rate
from portfolios.broker.orders import Order, order_validate
from portfolios.broker.risk import position_exposures


@dataclass(frozen=True)
class RiskLimits:
    daily_loss_limit: float | None = None  # fraction of the day's starting equity, e.g. 0.03
    max_open_positions: int | None = None
    max_cluster_exposure: float | None = None  # fraction of equity, e.g. 0.5
    correlation_threshold: float = 0.7


@dataclass(frozen=True)
class Correlations:
    symbols: tuple[str, ...]
    matrix: np.ndarray  # len(symbols) x len(symbols)

    def between(self, first: str, second: str) -> float:
        """Their correlation; 1 for an instrument with itself, 0 for one without returns given."""
        if first == second:
            return 1.0
        if first not in self.symbols or second not in self.symbols:
            return 0.0
        return float(self.matrix[self.symbols.index(first), self.symbols.index(second)])

    @classmethod
    def from_returns(cls, returns: Mapping[str, np.ndarray]) -> Correlations:
        """Pearson correlations of aligned return series (same length, same bars); a flat series correlates 0."""
        symbols = tuple(returns)
        if len(symbols) < 2:
            return cls(symbols, np.eye(len(symbols)))
        stacked = np.vstack([np.asarray(returns[s], dtype=np.float64) for s in symbols])
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.atleast_2d(np.corrcoef(stacked))
        return cls(symbols, np.nan_to_num(matrix, nan=0.0, posinf=0.0, neginf=0.0))


@dataclass(frozen=True)
class RiskSnapshot:
    """What the breakers read of a portfolio, in the account currency."""

    equity: float
    day_start_equity: float | None
    exposures: Mapping[str, float]  # symbol -> signed notional of the position

    @classmethod
    def of(cls, book: Book, market: Market, fx_closes: Mapping[str, Rate]) -> RiskSnapshot:
        return cls(equity=book.account.equity, day_start_equity=book.account.day_start_equity,
                   exposures=position_exposures(book, market, fx_closes))


class OrderBlocked(Exception):
    """A circuit breaker blocks the order; `reasons` say which and why."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


def order_blocks(*, symbol: str, notional: float, snapshot: RiskSnapshot, limits: RiskLimits,
                 correlations: Correlations | None = None) -> list[str]:
    """Why the breakers block an order adding signed `notional` (account currency) to `symbol`; [] when none does."""
    held = snapshot.exposures.get(symbol, 0.0)
    if held * notional < 0 and abs(notional) <= abs(held):
        return []
    reasons = []
    start = snapshot.day_start_equity
    if limits.daily_loss_limit is not None and start and start > 0:
        loss = (start - snapshot.equity) / start
        if loss >= limits.daily_loss_limit:
            reasons.append(f"New orders are paused for today: the portfolio is down {loss:.1%} since the day "
                           f"began, at or beyond its daily loss limit of {limits.daily_loss_limit:.1%}.")
    open_positions = [s for s, value in snapshot.exposures.items() if value != 0]
    if (limits.max_open_positions is not None and symbol not in open_positions
            and len(open_positions) >= limits.max_open_positions):
        reasons.append(f"The portfolio already holds {len(open_positions)} open positions, the most its "
                       f"limit of {limits.max_open_positions} allows.")
    if limits.max_cluster_exposure is not None:
        reason = _cluster_reason(symbol, notional, snapshot, limits, correlations)
        if reason:
            reasons.append(reason)
    return reasons


def _cluster_reason(symbol: str, notional: float, snapshot: RiskSnapshot, limits: RiskLimits,
                    correlations: Correlations | None) -> str:
    threshold, limit = limits.correlation_threshold, limits.max_cluster_exposure
    assert limit is not None
    others = []
    exposure = snapshot.exposures.get(symbol, 0.0) + notional
    for other, value in snapshot.exposures.items():
        rho = correlations.between(symbol, other) if correlations is not None else 0.0
        if other != symbol and value != 0 and abs(rho) >= threshold:
            others.append(other)
            exposure += np.sign(rho) * value
    if snapshot.equity <= 0:
        return "New positions are blocked: the portfolio has no equity left."
    share = abs(exposure) / snapshot.equity
    if share <= limit:
        return ""
    if not others:
        return f"{symbol} would be {share:.0%} of equity, above the limit of {limit:.0%} for one cluster."
    return (f"{symbol} moves with {', '.join(sorted(others))} (correlation of {threshold:.2f} or more): together "
            f"they would be {share:.0%} of equity, above the limit of {limit:.0%} for one cluster.")


def orders_submit(book: Book, orders: Sequence[Order], *, market: Market, reference_price: float,
                  fx_closes: Mapping[str, Rate], limits: RiskLimits,
                  correlations: Correlations | None = None) -> Book:
    """The book with `orders` working (one order, or the orders of one bracket, of one instrument).

    Raises OrderRejected (a message per field) for a bad order, then OrderBlocked when a circuit
    breaker stops it; the book is unchanged either way. `reference_price` is the last close.
    """
    snapshot = RiskSnapshot.of(book, market, fx_closes)
    for order in orders:
        instrument = market.instruments[order.symbol]
        order_validate(order, instrument, reference_price=reference_price if order.parent_id is None else None)
    reasons: list[str] = []
    for order in orders:
        if order.parent_id is not None:
            continue
        instrument = market.instruments[order.symbol]
        price = order.limit_price or order.stop_price or reference_price
        rate = float(fx_rate(instrument.quote_currency, book.account.currency, fx_closes))
        notional = order.side.sign * order.quantity * price * rate
        reasons += order_blocks(symbol=order.symbol, notional=notional, snapshot=snapshot, limits=limits,
                                correlations=correlations)
    if reasons:
        raise OrderBlocked(reasons)
    return book_place(book, orders)
