"""The paper portfolio pages: the list (and a form to create one), a portfolio (positions with live P&L,
orders, equity and drawdown charts, the risk panel, the journal, follow rules and the drift report), and
the order ticket (a bracket by default, prefilled from a signal with one click).

Portfolios are read through portfolios.selectors, so another tenant's is a 404; a refused change (a
member writing, the plan's limit, a bad order field by field, a circuit breaker) is shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tenancy import tenant_required
from billing.entitlements import tenant_entitlements
from config.errors import DomainError
from portfolios import charts, drift, selectors, services
from portfolios.models import Portfolio, Sizing
from signals.models import Signal
from signals.visible_selectors import publication_get_visible
from watchlists.actors import actor_of_request

ORDER_FIELDS = ("symbol", "side", "quantity", "order_type", "limit_price", "stop_price", "trail_amount",
                "trail_percent", "time_in_force", "timeframe", "stop_loss")


@tenant_required
def portfolio_index(request):
    if request.method == "POST":
        try:
            portfolio = services.portfolio_create(actor=actor_of_request(request), name=request.POST.get("name", ""),
                                                  currency=request.POST.get("currency", "USD"),
                                                  starting_balance=request.POST.get("starting_balance", ""))
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            return redirect("portfolios:detail", portfolio_id=portfolio.pk)
    return render(request, "portfolios/index.html", {
        "portfolios": selectors.portfolio_list(tenant=request.tenant),
        "used": selectors.portfolio_count(tenant=request.tenant),
        "plan": tenant_entitlements(tenant=request.tenant), "currencies": services.CURRENCIES,
        "can_write": actor_of_request(request).manages})


def _portfolio(request, portfolio_id: int) -> Portfolio:
    return selectors.portfolio_get(tenant=request.tenant, pk=portfolio_id)


@tenant_required
def portfolio_detail(request, portfolio_id: int):
    portfolio = _portfolio(request, portfolio_id)
    curve = selectors.equity_curve(portfolio=portfolio)
    return render(request, "portfolios/detail.html", {
        "portfolio": portfolio, "positions": selectors.position_rows(portfolio=portfolio),
        "open_orders": selectors.order_list(portfolio=portfolio, status="open"),
        "closed_orders": selectors.order_list(portfolio=portfolio, status="closed")[:20],
        "equity_chart": charts.line_chart(curve.equity, label="Equity"),
        "drawdown_chart": charts.line_chart([-d * 100 for d in curve.drawdown], label="Drawdown %", baseline=0.0),
        "risk": selectors.risk_report(portfolio=portfolio),
        "trades": selectors.trade_list(portfolio=portfolio)[:50],
        "rules": selectors.follow_rule_list(portfolio=portfolio),
        "decisions": selectors.follow_decision_list(portfolio=portfolio),
        "drift": drift.drift_report(portfolio=portfolio, limit=10),
        "sizings": Sizing.choices, "can_write": actor_of_request(request).manages,
        "total_pnl": portfolio.equity - portfolio.starting_balance,
    })


def _ticket_initial(request) -> tuple[dict[str, Any], Signal | None]:
    """The ticket's fields: from the signal named by ?signal= (one the plan sees), else a plain bracket. A
    signal's bracket enters at the market; its entry is in the limit price, for a limit entry instead."""
    initial: dict[str, Any] = {"side": "buy", "order_type": "market", "time_in_force": "gtc", "bracket": True}
    raw = request.GET.get("signal", "")
    if not raw:
        return initial, None
    publication = (publication_get_visible(entitlements=tenant_entitlements(tenant=request.tenant),
                                           signal_id=int(raw)) if raw.isdigit() and len(raw) < 18 else None)
    if publication is None:
        raise Http404("No such signal.")
    signal = publication.signal
    initial |= {"symbol": signal.instrument.symbol, "side": "buy" if signal.direction == "BUY" else "sell",
                "timeframe": signal.timeframe, "limit_price": signal.entry, "stop_loss": signal.stop,
                "target_1": signal.target_1,
                "target_2": signal.target_2, "target_3": signal.target_3}
    return initial, signal


def _ticket_request(post) -> services.OrderRequest:
    targets = [{"price": post.get(f"target_{n}"), "fraction": post.get(f"fraction_{n}") or 1 / 3}
               for n in (1, 2, 3) if post.get(f"target_{n}")]
    values = {field: post.get(field) or None for field in ORDER_FIELDS}
    return services.OrderRequest(**{**values, "time_in_force": values["time_in_force"] or "gtc",
                                    "order_type": values["order_type"] or "market"},
                                 bracket=post.get("bracket") == "on", targets=targets,
                                 trailing_stop=post.get("trailing_stop") == "on")


@tenant_required
def order_ticket(request, portfolio_id: int):
    """GET: the ticket (prefilled from ?signal=); POST: place the order, or show the ticket with each
    field's reason."""
    portfolio = _portfolio(request, portfolio_id)
    initial, signal = _ticket_initial(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.order_place(actor=actor_of_request(request), portfolio=portfolio,
                                 request=_ticket_request(request.POST))
        except DomainError as refused:
            errors = refused.fields or {"all": [refused.message]}
            messages.error(request, refused.message)
            initial = {**initial, **request.POST.dict(), "bracket": request.POST.get("bracket") == "on"}
        else:
            messages.info(request, "Order placed: it fills on the next closed bar its price allows.")
            return redirect("portfolios:detail", portfolio_id=portfolio.pk)
    return render(request, "portfolios/order.html", {"portfolio": portfolio, "initial": initial, "signal": signal,
                                                     "errors": errors, "status": 400 if errors else 200},
                  status=400 if errors else 200)


@tenant_required
def order_ticket_any(request):
    """/app/portfolios/order/?signal=<id>: the ticket of the team's first portfolio (the list if none)."""
    portfolio = selectors.portfolio_list(tenant=request.tenant).first()
    if portfolio is None:
        messages.info(request, "Create a paper portfolio first, then trade the signal from it.")
        return redirect("portfolios:index")
    query = f"?signal={request.GET['signal']}" if request.GET.get("signal", "").isdigit() else ""
    return redirect(f"/app/portfolios/{portfolio.pk}/order/{query}")


def _changed(request, portfolio: Portfolio, change, done: str = "") -> HttpResponse:
    try:
        change()
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        if done:
            messages.info(request, done)
    return redirect("portfolios:detail", portfolio_id=portfolio.pk)


@tenant_required
@require_POST
def order_cancel(request, portfolio_id: int, order_id: int):
    portfolio = _portfolio(request, portfolio_id)
    order = selectors.order_get(portfolio=portfolio, pk=order_id)
    return _changed(request, portfolio, lambda: services.order_cancel_by_subscriber(
        actor=actor_of_request(request), order=order), "Order cancelled.")


@tenant_required
def journal_csv(request, portfolio_id: int):
    portfolio = _portfolio(request, portfolio_id)
    response = HttpResponse(selectors.journal_csv(portfolio=portfolio), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="portfolio-{portfolio.pk}-journal.csv"'
    return response


@tenant_required
@require_POST
def portfolio_settings(request, portfolio_id: int):
    """Name and risk limits (an empty limit removes it)."""
    portfolio = _portfolio(request, portfolio_id)
    fields = ("name", "daily_loss_limit", "max_open_positions", "max_cluster_exposure", "correlation_threshold")
    changes = {f: request.POST.get(f) or None for f in fields if f in request.POST}
    if "name" in changes and changes["name"] is None:
        changes["name"] = ""
    return _changed(request, portfolio, lambda: services.portfolio_update(
        actor=actor_of_request(request), portfolio=portfolio, **changes), "Saved.")


@tenant_required
@require_POST
def portfolio_reset(request, portfolio_id: int):
    portfolio = _portfolio(request, portfolio_id)
    return _changed(request, portfolio, lambda: services.portfolio_reset(actor=actor_of_request(request),
                                                                          portfolio=portfolio),
                    "The portfolio starts again from its starting balance.")


@tenant_required
@require_POST
def portfolio_delete(request, portfolio_id: int):
    portfolio = _portfolio(request, portfolio_id)
    try:
        services.portfolio_delete(actor=actor_of_request(request), portfolio=portfolio)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("portfolios:detail", portfolio_id=portfolio.pk)
    messages.info(request, f"{portfolio.name} was deleted.")
    return redirect("portfolios:index")


@tenant_required
@require_POST
def follow_rule_create(request, portfolio_id: int):
    portfolio = _portfolio(request, portfolio_id)
    post = request.POST
    return _changed(request, portfolio, lambda: services.follow_rule_create(
        actor=actor_of_request(request), portfolio=portfolio, asset_class=post.get("asset_class", ""),
        min_confidence=post.get("min_confidence") or None, sizing=post.get("sizing", Sizing.FIXED_FRACTION),
        risk_fraction=post.get("risk_fraction") or 0.01, amount=post.get("amount") or None,
        kelly_multiplier=post.get("kelly_multiplier") or 0.5, kelly_cap=post.get("kelly_cap") or 0.05),
                    "The portfolio follows signals from now on.")


@tenant_required
@require_POST
def follow_rule_delete(request, portfolio_id: int, rule_id: int):
    portfolio = _portfolio(request, portfolio_id)
    rule = selectors.follow_rule_list(portfolio=portfolio).filter(pk=rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    return _changed(request, portfolio, lambda: services.follow_rule_delete(actor=actor_of_request(request),
                                                                             rule=rule), "Rule removed.")
