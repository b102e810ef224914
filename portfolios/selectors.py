"""Reads of paper portfolios, scoped by tenant: lists, positions with their P&L, orders, the equity curve
and drawdown, the risk panel (exposure, VaR/CVaR, drawdown, Sharpe/Sortino from the pure core), the
journal and its CSV. The drift report lives in portfolios.drift."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Tenant
from portfolios.books import book_of, fx_closes_latest, market_for, rate_to
from portfolios.broker.risk import (
    conditional_value_at_risk,
    exposure_by_asset_class,
    exposure_by_currency,
    max_drawdown,
    periods_per_year,
    returns_from_equity,
    sharpe_ratio,
    sortino_ratio,
    value_at_risk,
)
from portfolios.models import EquityPoint, FollowDecision, FollowRule, PaperOrder, PaperPosition, Portfolio, Trade

CURVE_POINTS = 2000


def portfolio_list(*, tenant: Tenant | None) -> QuerySet[Portfolio]:
    return Portfolio.objects.for_tenant(tenant)


def portfolio_count(*, tenant: Tenant) -> int:
    return Portfolio.objects.for_tenant(tenant).count()


def portfolio_get(*, tenant: Tenant | None, pk: object) -> Portfolio:
    """The tenant's portfolio `pk`; Http404 for any other (another tenant's too)."""
    try:
        return Portfolio.objects.for_tenant(tenant).get(pk=int(str(pk)))
    except (Portfolio.DoesNotExist, ValueError, OverflowError):
        raise Http404("No such portfolio.") from None


def order_list(*, portfolio: Portfolio, status: str | None = None) -> QuerySet[PaperOrder]:
    orders = PaperOrder.objects.filter(portfolio=portfolio).select_related("instrument")
    if status == "open":
        return orders.filter(status__in=["pending", "working"])
    if status == "closed":
        return orders.exclude(status__in=["pending", "working"])
    return orders


def order_get(*, portfolio: Portfolio, pk: object) -> PaperOrder:
    try:
        return PaperOrder.objects.select_related("instrument").get(portfolio=portfolio, pk=int(str(pk)))
    except (PaperOrder.DoesNotExist, ValueError, OverflowError):
        raise Http404("No such order.") from None


@dataclass(frozen=True)
class PositionRow:
    position: PaperPosition
    unrealized_pnl: float | None  # portfolio currency; None when no FX close converts it
    market_value: float | None

    @property
    def symbol(self) -> str:
        return self.position.instrument.symbol


def position_rows(*, portfolio: Portfolio) -> list[PositionRow]:
    """The open positions with their P&L at the last close, in the portfolio's currency."""
    fx = fx_closes_latest()
    rows = []
    for position in PaperPosition.objects.filter(portfolio=portfolio).select_related("instrument", "signal"):
        rate = rate_to(position.instrument.quote_currency, portfolio.currency, fx)
        move = position.quantity * (position.last_price - position.average_price)
        rows.append(PositionRow(position=position, unrealized_pnl=None if rate is None else move * rate,
                                market_value=None if rate is None else position.quantity * position.last_price * rate))
    return rows


def trade_list(*, portfolio: Portfolio) -> QuerySet[Trade]:
    return Trade.objects.filter(portfolio=portfolio).select_related("instrument", "signal")


def follow_rule_list(*, portfolio: Portfolio) -> QuerySet[FollowRule]:
    return FollowRule.objects.filter(portfolio=portfolio).select_related("strategy")


def follow_decision_list(*, portfolio: Portfolio, limit: int = 20) -> list[FollowDecision]:
    return list(FollowDecision.objects.filter(portfolio=portfolio).select_related("signal__instrument")[:limit])


JOURNAL_COLUMNS = ["id", "symbol", "side", "quantity", "entry_price", "exit_price", "opened_at", "closed_at",
                   "duration_seconds", "pnl", "costs", "initial_stop", "r_multiple", "mfe_r", "mae_r", "mfe_price",
                   "mae_price", "signal_id"]


def journal_csv(*, portfolio: Portfolio) -> str:
    """The journal as CSV, one closed trade a line, newest first (money in the portfolio's currency)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOURNAL_COLUMNS)
    for trade in trade_list(portfolio=portfolio):
        writer.writerow([trade.pk, trade.instrument.symbol, trade.side, trade.quantity, trade.entry_price,
                         trade.exit_price, trade.opened_at.isoformat(), trade.closed_at.isoformat(),
                         trade.duration_seconds, round(trade.pnl, 2), round(trade.costs, 2), trade.initial_stop,
                         _rounded(trade.r_multiple), _rounded(trade.mfe_r), _rounded(trade.mae_r), trade.mfe_price,
                         trade.mae_price, trade.signal_id or ""])
    return out.getvalue()


def _rounded(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


@dataclass(frozen=True)
class Curve:
    """The equity curve (oldest first) and its drawdown from the running peak, as fractions."""

    times: list[str]
    equity: list[float]
    drawdown: list[float]


def equity_curve(*, portfolio: Portfolio, points: int = CURVE_POINTS) -> Curve:
    """The newest `points` marks, starting from the starting balance."""
    rows = list(EquityPoint.objects.filter(portfolio=portfolio).order_by("-id").values_list("time", "equity")[:points])
    rows.reverse()
    equity = [portfolio.starting_balance] + [e for _, e in rows]
    times = [""] + [t.isoformat() for t, _ in rows]
    curve = np.asarray(equity, dtype=np.float64)
    peaks = np.maximum.accumulate(curve)
    drawdown = np.where(peaks > 0, (peaks - curve) / np.where(peaks > 0, peaks, 1), 0.0)
    return Curve(times=times, equity=[float(v) for v in curve], drawdown=[float(v) for v in drawdown])


@dataclass(frozen=True)
class RiskReport:
    """The risk panel. A figure that needs more marks than there are is None (shown as "not yet")."""

    marks: int
    exposure_by_asset_class: dict[str, dict[str, float]]
    exposure_by_currency: dict[str, float]
    var: dict[str, float | None] = field(default_factory=dict)  # "historical_95" ... "parametric_99": fractions
    cvar: dict[str, float | None] = field(default_factory=dict)
    max_drawdown: float = 0.0
    max_drawdown_amount: float = 0.0
    sharpe: float | None = None
    sortino: float | None = None
    periods_per_year: float = 252.0
    limits: dict[str, float | int | None] = field(default_factory=dict)
    day_loss: float | None = None  # fraction lost since the day began (negative: a gain)


def risk_report(*, portfolio: Portfolio) -> RiskReport:
    """Exposure by asset class and currency, VaR/CVaR (historical and parametric, 95 and 99%, per mark),
    max drawdown and annualised Sharpe/Sortino of the equity marks."""
    positions = list(PaperPosition.objects.filter(portfolio=portfolio).select_related("instrument"))
    fx = fx_closes_latest()
    market = market_for({p.instrument.symbol: p.instrument for p in positions}.values())
    book = book_of(portfolio, positions=positions)
    convertible = all(rate_to(p.instrument.quote_currency, portfolio.currency, fx) is not None for p in positions)
    by_class = exposure_by_asset_class(book, market, fx) if convertible else {}
    by_currency = exposure_by_currency(book, market, fx) if convertible else {}
    curve = equity_curve(portfolio=portfolio).equity
    returns = returns_from_equity(curve) if len(curve) > 1 and min(curve) > 0 else np.zeros(0)
    timeframe = (PaperOrder.objects.filter(portfolio=portfolio).order_by("-id")
                 .values_list("timeframe", "instrument__calendar").first())
    periods = periods_per_year(*timeframe) if timeframe else 252.0
    var, cvar = {}, {}
    for method in ("historical", "parametric"):
        for level in (95, 99):
            key = f"{method}_{level}"
            var[key] = value_at_risk(returns, confidence=level / 100, method=method)
            cvar[key] = conditional_value_at_risk(returns, confidence=level / 100, method=method)
    drawdown = max_drawdown(curve) if min(curve) > 0 else None
    start = portfolio.day_start_equity
    return RiskReport(
        marks=len(curve) - 1,
        exposure_by_asset_class={k: {"long": v.long, "short": v.short, "net": v.net, "gross": v.gross}
                                 for k, v in by_class.items()},
        exposure_by_currency=by_currency, var=var, cvar=cvar,
        max_drawdown=drawdown.depth if drawdown else 0.0, max_drawdown_amount=drawdown.amount if drawdown else 0.0,
        sharpe=sharpe_ratio(returns, periods_per_year=periods),
        sortino=sortino_ratio(returns, periods_per_year=periods), periods_per_year=periods,
        limits={"daily_loss_limit": portfolio.daily_loss_limit, "max_open_positions": portfolio.max_open_positions,
                "max_cluster_exposure": portfolio.max_cluster_exposure,
                "correlation_threshold": portfolio.correlation_threshold, "open_positions": len(positions)},
        day_loss=(start - portfolio.equity) / start if start else None,
    )
