"""Paper portfolio updates on the live feed: after a bar's fills and marks commit, each portfolio changed
goes to its tenant's `portfolios` stream as `portfolio.updated` {portfolio, equity, cash, P&L,
positions with their live P&L, the bar's fills}. Pages update their figures from it
(static/js/portfolio.js); programs subscribe to the stream."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from config.channel_sender import group_send_many
from portfolios.models import PaperFill, PaperPosition, Portfolio
from signals.feed_streams import PORTFOLIOS

MESSAGE_TYPE = "portfolio.updated"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PositionFigures:
    """What the feed says of one position (read as plain values: a bar may mark thousands)."""

    symbol: str
    quantity: float
    average_price: float
    last_price: float


def portfolio_message(portfolio: Portfolio, positions: list[PositionFigures], fills: list[PaperFill]) -> dict:
    """The feed envelope of one portfolio's update."""
    return {"type": MESSAGE_TYPE, "seq": None, "data": {
        "portfolio_id": portfolio.pk, "currency": portfolio.currency, "equity": round(portfolio.equity, 2),
        "cash": round(portfolio.cash, 2), "unrealized_pnl": round(portfolio.unrealized_pnl, 2),
        "total_pnl": round(portfolio.equity - portfolio.starting_balance, 2),
        "marked_at": portfolio.marked_at.isoformat() if portfolio.marked_at else None,
        "positions": [{"symbol": p.symbol, "quantity": p.quantity, "average_price": p.average_price,
                       "last_price": p.last_price,
                       "unrealized_pnl": round(p.quantity * (p.last_price - p.average_price), 2)} for p in positions],
        "fills": [{"symbol": f.instrument.symbol, "side": f.side, "quantity": f.quantity, "price": f.price}
                  for f in fills],
    }}


def portfolio_updates_send(*, portfolio_ids: list[int], fills: dict[int, list[PaperFill]]) -> None:
    """Send each portfolio's update to its tenant's stream (call after the commit)."""
    if not portfolio_ids:
        return
    positions: dict[int, list[PositionFigures]] = {}
    for portfolio_id, symbol, quantity, average_price, last_price in (
            PaperPosition.objects.filter(portfolio_id__in=portfolio_ids).order_by("instrument__symbol")
            .values_list("portfolio_id", "instrument__symbol", "quantity", "average_price", "last_price")):
        positions.setdefault(portfolio_id, []).append(PositionFigures(symbol, quantity, average_price, last_price))
    messages = [(PORTFOLIOS.group(str(p.tenant_id)) if PORTFOLIOS.group else "",
                 portfolio_message(p, positions.get(p.pk, []), fills.get(p.pk, [])))
                for p in Portfolio.objects.filter(pk__in=portfolio_ids)]
    group_send_many(messages)
