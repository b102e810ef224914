"""Writes of paper portfolios: create, change limits, reset, delete; follow rules; place and cancel orders.

Each write checks who may make it (owners, admins and write keys; a member reads) and the plan's
`paper_portfolios` limit, then the broker's own rules: a bad order is refused with a message per
field (InvalidInput), a circuit breaker blocks one with its reasons (CircuitBreakerTripped); either
way nothing is written. Orders are placed at the market time of their instrument (the close of its
newest bar) and fill on the following bars (portfolios.processing).
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.entitlements import limit_ensure_available
from config.errors import DomainError, InvalidInput, NotPermitted
from market.models import Bar, Instrument
from market.timeframes import Timeframe
from portfolios.books import (
    book_of,
    epoch,
    fx_closes_latest,
    instrument_spec,
    last_bar,
    market_for,
    order_from_row,
    order_row_from,
    order_row_update,
    timeframe_default,
)
from portfolios.broker.circuit_breakers import Correlations, OrderBlocked, RiskLimits, orders_submit
from portfolios.broker.orders import (
    Order,
    OrderRejected,
    OrderType,
    Side,
    Target,
    TimeInForce,
    bracket_orders,
    order_cancel,
)
from portfolios.models import CashEntry, FollowRule, PaperOrder, PaperPosition, Portfolio, Sizing
from signals.models import Signal, Strategy
from watchlists.actors import Actor

NAME_MAX = 80
SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9._/-]{0,23}")
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD")
CORRELATION_BARS = 120


class CircuitBreakerTripped(DomainError):
    """A risk limit of the portfolio blocks the order; `reasons` says which and why."""

    code = "circuit_breaker"
    status = 409


def portfolio_ensure_writable(*, actor: Actor) -> None:
    """NotPermitted unless the actor is an owner, an admin or an API key (members read portfolios)."""
    if not actor.manages:
        raise NotPermitted("Only owners and admins trade the team's paper portfolios; members can read them.")


def _number(value: Any, *, field: str, errors: dict[str, list[str]], required: bool = False,
            minimum: float | None = None, maximum: float | None = None) -> float | None:
    """`value` as a finite float (text from a form too), or None; a message for `field` when it is not one."""
    if value is None or value == "":
        if required:
            errors.setdefault(field, []).append("This field is required.")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append("Must be a number.")
        return None
    if not math.isfinite(number):
        errors.setdefault(field, []).append("Must be a finite number.")
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        bounds = f"from {minimum:g}" if minimum is not None else ""
        bounds += f" to {maximum:g}" if maximum is not None else ""
        errors.setdefault(field, []).append(f"Must be {bounds.strip()}.")
        return None
    return number


def _limits_checked(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    if "daily_loss_limit" in data:
        checked["daily_loss_limit"] = _number(data["daily_loss_limit"], field="daily_loss_limit", errors=errors,
                                              minimum=0.001, maximum=1)
    if "max_open_positions" in data:
        count = _number(data["max_open_positions"], field="max_open_positions", errors=errors, minimum=1,
                        maximum=1000)
        if count is not None and not count.is_integer():
            errors.setdefault("max_open_positions", []).append("Must be a whole number.")
        checked["max_open_positions"] = None if count is None else int(count)
    if "max_cluster_exposure" in data:
        checked["max_cluster_exposure"] = _number(data["max_cluster_exposure"], field="max_cluster_exposure",
                                                  errors=errors, minimum=0.01, maximum=100)
    if data.get("correlation_threshold") not in (None, ""):
        checked["correlation_threshold"] = _number(data["correlation_threshold"], field="correlation_threshold",
                                                   errors=errors, minimum=0.1, maximum=1)
    return checked


def _name_checked(name: Any, errors: dict[str, list[str]]) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        errors.setdefault("name", []).append("This field is required.")
    elif len(text) > NAME_MAX or any(ord(c) < 32 for c in text):
        errors.setdefault("name", []).append(f"At most {NAME_MAX} printable characters.")
    return text


def _refuse(errors: dict[str, list[str]], message: str = "The portfolio was not changed.") -> None:
    if errors:
        first = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        raise InvalidInput(f"{message} {first}", fields=errors)


@transaction.atomic
def portfolio_create(*, actor: Actor, name: Any, currency: Any = "USD", starting_balance: Any = 100_000,
                     **limits: Any) -> Portfolio:
    """A new paper portfolio with `starting_balance` in cash; PlanLimitReached over the plan's portfolios."""
    portfolio_ensure_writable(actor=actor)
    errors: dict[str, list[str]] = {}
    name = _name_checked(name, errors)
    if currency not in CURRENCIES:
        errors["currency"] = [f"One of {', '.join(CURRENCIES)}."]
    balance = _number(starting_balance, field="starting_balance", errors=errors, required=True, minimum=100,
                      maximum=1e12)
    checked = _limits_checked(limits, errors)
    _refuse(errors, "The portfolio was not created.")
    Tenant.objects.select_for_update().filter(pk=actor.tenant.pk).first()
    limit_ensure_available(tenant=actor.tenant, limit="paper_portfolios",
                           used=Portfolio.objects.for_tenant(actor.tenant).count())
    assert balance is not None
    portfolio = Portfolio.objects.create(tenant=actor.tenant, name=name, currency=currency, starting_balance=balance,
                                         cash=balance, equity=balance, created_by=actor.credited_to, **checked)
    CashEntry.objects.create(portfolio=portfolio, kind="deposit", amount=balance, time=timezone.now())
    return portfolio


@transaction.atomic
def portfolio_update(*, actor: Actor, portfolio: Portfolio, **changes: Any) -> Portfolio:
    """Rename the portfolio or change its risk limits (an empty value removes a limit)."""
    portfolio_ensure_writable(actor=actor)
    errors: dict[str, list[str]] = {}
    fields = _limits_checked(changes, errors)
    if "name" in changes:
        fields["name"] = _name_checked(changes["name"], errors)
    _refuse(errors)
    for field, value in fields.items():
        setattr(portfolio, field, value)
    portfolio.save(update_fields=list(fields) or None)
    return portfolio


@transaction.atomic
def portfolio_reset(*, actor: Actor, portfolio: Portfolio) -> Portfolio:
    """Start again: orders, fills, positions, cash, equity curve and journal go; the starting balance comes
    back. Follow rules and risk limits stay."""
    portfolio_ensure_writable(actor=actor)
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    for related in (portfolio.fills, portfolio.orders, portfolio.positions, portfolio.cash_entries,
                    portfolio.equity_points, portfolio.trades, portfolio.follow_decisions):
        related.all().delete()
    portfolio.cash = portfolio.equity = portfolio.starting_balance
    portfolio.unrealized_pnl = portfolio.gross_exposure = 0.0
    portfolio.day = portfolio.day_start_equity = portfolio.marked_at = None
    portfolio.reset_at = timezone.now()
    portfolio.save()
    CashEntry.objects.create(portfolio=portfolio, kind="deposit", amount=portfolio.starting_balance,
                             time=timezone.now())
    return portfolio


@transaction.atomic
def portfolio_delete(*, actor: Actor, portfolio: Portfolio) -> None:
    portfolio_ensure_writable(actor=actor)
    portfolio.delete()


@transaction.atomic
def follow_rule_create(*, actor: Actor, portfolio: Portfolio, strategy: Strategy | None = None,
                       asset_class: Any = "", min_confidence: Any = None, sizing: Any = Sizing.FIXED_FRACTION,
                       risk_fraction: Any = 0.01, amount: Any = None, kelly_multiplier: Any = 0.5,
                       kelly_cap: Any = 0.05) -> FollowRule:
    """A rule by which the portfolio follows published signals. A minimum confidence is accepted but
    stated as what it is: signals carry no confidence today, so such a rule follows none."""
    portfolio_ensure_writable(actor=actor)
    errors: dict[str, list[str]] = {}
    if asset_class not in ("", "stock", "forex", "crypto"):
        errors["asset_class"] = ["stock, forex, crypto or empty for all."]
    if sizing not in Sizing.values:
        errors["sizing"] = [f"One of {', '.join(Sizing.values)}."]
    values = {
        "min_confidence": _number(min_confidence, field="min_confidence", errors=errors, minimum=0, maximum=1),
        "risk_fraction": _number(risk_fraction, field="risk_fraction", errors=errors, minimum=0.0001, maximum=0.2)
        or 0.01,
        "amount": _number(amount, field="amount", errors=errors, minimum=1, maximum=1e12),
        "kelly_multiplier": _number(kelly_multiplier, field="kelly_multiplier", errors=errors, minimum=0.01,
                                    maximum=1) or 0.5,
        "kelly_cap": _number(kelly_cap, field="kelly_cap", errors=errors, minimum=0.001, maximum=0.25) or 0.05,
    }
    if sizing == Sizing.FIXED_AMOUNT and values["amount"] is None and "amount" not in errors:
        errors["amount"] = ["A fixed-amount rule needs an amount."]
    _refuse(errors, "The follow rule was not created.")
    return FollowRule.objects.create(portfolio=portfolio, strategy=strategy, asset_class=asset_class, sizing=sizing,
                                     **values)


@transaction.atomic
def follow_rule_delete(*, actor: Actor, rule: FollowRule) -> None:
    portfolio_ensure_writable(actor=actor)
    rule.delete()


# --- orders --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OrderRequest:
    """An order as asked, before any check: values as the API or the form gave them."""

    symbol: Any
    side: Any
    quantity: Any
    order_type: Any = "market"
    limit_price: Any = None
    stop_price: Any = None
    trail_amount: Any = None
    trail_percent: Any = None
    time_in_force: Any = "gtc"
    expires_at: Any = None  # a datetime (market time) for GTD
    timeframe: Any = None
    bracket: bool = False
    stop_loss: Any = None  # a bracket's stop
    targets: Any = ()  # a bracket's take-profits: [{"price", "fraction"}], at most 3
    trailing_stop: bool = False


BRACKET_FIELD_NAMES = {"entry_price": "limit_price", "entry_stop_price": "stop_price", "stop": "stop_loss"}


def _choice(value: Any, choices: type[Side] | type[OrderType] | type[TimeInForce], field: str,
            errors: dict[str, list[str]]) -> Any:
    try:
        return choices(str(value).lower())
    except ValueError:
        errors.setdefault(field, []).append(f"One of {', '.join(c.value for c in choices)}.")
        return None


def _targets_checked(raw: Any, errors: dict[str, list[str]]) -> list[Target]:
    if not isinstance(raw, list | tuple):
        errors["targets"] = ["A list of {price, fraction}."]
        return []
    targets = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.setdefault("targets", []).append(f"Target {n} must be {{price, fraction}}.")
            continue
        inner: dict[str, list[str]] = {}
        price = _number(item.get("price"), field="price", errors=inner, required=True)
        fraction = _number(item.get("fraction"), field="fraction", errors=inner, required=True)
        for field, messages in inner.items():
            errors.setdefault("targets", []).append(f"Target {n} {field}: {' '.join(messages)}")
        if price is not None and fraction is not None:
            targets.append(Target(price=price, fraction=fraction))
    return targets


def _instrument_checked(symbol: Any, errors: dict[str, list[str]]) -> Instrument | None:
    text = symbol.strip().upper()[:24] if isinstance(symbol, str) else ""
    known = bool(SYMBOL.fullmatch(text))
    instrument = Instrument.objects.filter(symbol=text, active=True).first() if known else None
    if instrument is None:
        errors["symbol"] = [f"No instrument {text!r} is traded." if text else "This field is required."]
    return instrument


def orders_build(*, request: OrderRequest, portfolio: Portfolio) -> tuple[Instrument, str, Bar, list[Order]]:
    """The broker orders of `request` with the instrument, its timeframe and its newest bar; InvalidInput
    with a message per field when anything is wrong."""
    errors: dict[str, list[str]] = {}
    instrument = _instrument_checked(request.symbol, errors)
    side = _choice(request.side, Side, "side", errors)
    order_type = _choice(request.order_type, OrderType, "order_type", errors)
    tif = _choice(request.time_in_force, TimeInForce, "time_in_force", errors)
    quantity = _number(request.quantity, field="quantity", errors=errors, required=True)
    prices = {field: _number(getattr(request, field), field=field, errors=errors)
              for field in ("limit_price", "stop_price", "trail_amount", "trail_percent", "stop_loss")}
    expires = request.expires_at
    if expires is not None and not isinstance(expires, datetime):
        errors["expires_at"] = ["A date and time."]
        expires = None
    timeframe, bar = None, None
    if instrument is not None:
        timeframe = request.timeframe or timeframe_default(instrument)
        if timeframe not in [tf.value for tf in Timeframe]:
            errors["timeframe"] = [f"One of {', '.join(tf.value for tf in Timeframe)}."]
        else:
            bar = last_bar(instrument, timeframe) if timeframe else None
            if bar is None:
                errors.setdefault("timeframe" if request.timeframe else "symbol", []).append(
                    f"{instrument.symbol} has no closed {timeframe or ''} bar yet to trade from.".replace("  ", " "))
    targets = _targets_checked(request.targets, errors) if request.bracket else []
    if request.bracket and prices["stop_loss"] is None and "stop_loss" not in errors:
        errors["stop_loss"] = ["A bracket needs a stop loss."]
    if request.bracket and order_type is OrderType.TRAILING_STOP:
        errors.setdefault("order_type", []).append("A bracket's entry is a market, limit, stop or stop-limit order.")
    _refuse(errors, "The order was not placed.")
    assert instrument is not None and bar is not None and timeframe is not None and quantity is not None
    spec = instrument_spec(instrument)
    placed_at = epoch(bar.time) + Timeframe(timeframe).seconds  # the market's clock: the newest close
    ref = uuid.uuid4().hex[:12]
    expires_at = epoch(expires) if expires is not None else None
    try:
        if request.bracket:
            stop_loss = prices["stop_loss"]
            assert stop_loss is not None
            entry_price = prices["stop_price"] if order_type is OrderType.STOP else prices["limit_price"]
            orders = bracket_orders(id=ref, symbol=spec.symbol, side=side, quantity=quantity, stop=stop_loss,
                                    targets=targets, instrument=spec, created_at=placed_at, entry_type=order_type,
                                    entry_price=entry_price, entry_stop_price=prices["stop_price"],
                                    trailing_stop=request.trailing_stop, time_in_force=tif, expires_at=expires_at,
                                    reference_price=bar.close)
        else:
            orders = [Order(id=ref, symbol=spec.symbol, side=side, quantity=quantity, type=order_type,
                            limit_price=prices["limit_price"], stop_price=prices["stop_price"],
                            trail_amount=prices["trail_amount"], trail_percent=prices["trail_percent"],
                            time_in_force=tif, expires_at=expires_at, created_at=placed_at)]
    except OrderRejected as rejected:
        fields = {BRACKET_FIELD_NAMES.get(f, f): m for f, m in rejected.fields.items()}
        _refuse(fields, "The order was not placed.")
        raise  # not reached: _refuse raised
    return instrument, timeframe, bar, orders


def _correlations(instruments: list[Instrument], timeframe: str) -> Correlations:
    """Correlations of the instruments' returns over their common newest bars of `timeframe`."""
    closes: dict[str, dict[int, float]] = {}
    for instrument in instruments:
        rows = Bar.objects.filter(instrument=instrument, timeframe=timeframe).order_by("-time")[:CORRELATION_BARS]
        closes[instrument.symbol] = {epoch(t): c for t, c in rows.values_list("time", "close")}
    common = sorted(set.intersection(*(set(c) for c in closes.values()))) if closes else []
    if len(common) < 20:
        return Correlations(tuple(closes), np.eye(len(closes)))
    returns = {s: np.diff(np.log([c[t] for t in common])) for s, c in closes.items()}
    return Correlations.from_returns(returns)


@transaction.atomic
def order_place(*, actor: Actor, portfolio: Portfolio, request: OrderRequest,
                signal: Signal | None = None) -> list[PaperOrder]:
    """Place an order (or a bracket: entry, stop, targets) on the portfolio: checked field by field, then
    by the circuit breakers; the rows placed, entry first."""
    portfolio_ensure_writable(actor=actor)
    portfolio = Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    instrument, timeframe, bar, orders = orders_build(request=request, portfolio=portfolio)
    positions = list(PaperPosition.objects.filter(portfolio=portfolio).select_related("instrument"))
    instruments = {p.instrument.symbol: p.instrument for p in positions} | {instrument.symbol: instrument}
    limits = RiskLimits(daily_loss_limit=portfolio.daily_loss_limit, max_open_positions=portfolio.max_open_positions,
                        max_cluster_exposure=portfolio.max_cluster_exposure,
                        correlation_threshold=portfolio.correlation_threshold)
    correlations = (_correlations(list(instruments.values()), timeframe)
                    if limits.max_cluster_exposure is not None and len(instruments) > 1 else None)
    fx = fx_closes_latest()
    try:
        orders_submit(book_of(portfolio, positions=positions), orders, market=market_for(instruments.values()),
                      reference_price=bar.close, fx_closes=fx, limits=limits, correlations=correlations)
    except OrderRejected as rejected:
        _refuse({BRACKET_FIELD_NAMES.get(f, f): m for f, m in rejected.fields.items()}, "The order was not placed.")
    except OrderBlocked as blocked:
        raise CircuitBreakerTripped("A circuit breaker blocks this order. " + " ".join(blocked.reasons),
                                    reasons=blocked.reasons) from None
    except ValueError as unconvertible:  # no FX close converts the instrument's currency to the portfolio's
        raise InvalidInput(str(unconvertible), fields={"symbol": [str(unconvertible)]}) from None
    rows = [order_row_from(order, portfolio=portfolio, instrument=instrument, timeframe=timeframe,
                           signal_id=signal.pk if signal else None) for order in orders]
    return PaperOrder.objects.bulk_create(rows)


@transaction.atomic
def order_cancel_by_subscriber(*, actor: Actor, order: PaperOrder) -> list[PaperOrder]:
    """Cancel an open order, with the exits of its bracket still waiting for it; the rows changed.
    Cancelling a bracket's working exit leaves the others (cancel each, or the entry before it fills).

    The portfolio is locked first, then the order, as a closed bar's processing locks them
    (portfolios.bulk): an order is cancelled before or after a bar's fills, never in the middle,
    and the two never wait on each other in a circle."""
    portfolio_ensure_writable(actor=actor)
    Portfolio.objects.select_for_update().filter(pk=order.portfolio_id).first()
    order = PaperOrder.objects.select_for_update().select_related("instrument").get(pk=order.pk)
    if not order.is_open:
        raise InvalidInput(f"The order is {order.status} already.", fields={"order": [f"It is {order.status}."]})
    siblings = list(PaperOrder.objects.select_for_update().select_related("instrument")
                    .filter(portfolio_id=order.portfolio_id, status__in=["pending", "working"])
                    .filter(bracket_ref=order.bracket_ref) if order.bracket_ref else [order])
    bar = last_bar(order.instrument, order.timeframe)
    now = epoch(bar.time) + Timeframe(order.timeframe).seconds if bar else order.created_at
    after = {o.id: o for o in order_cancel([order_from_row(r) for r in siblings], order.ref, time=now)}
    changed = []
    for row in siblings:
        new = after[row.ref]
        if new.status.value != row.status:
            order_row_update(row, new)
            row.save(update_fields=["status", "closed_at", "reason"])
            changed.append(row)
    return changed
