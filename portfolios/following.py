"""Following signals: when a publication becomes visible to a tier (SIGNAL_PUBLISHED_TASKS), each
portfolio of a tenant on that tier whose follow rule matches the signal places a bracket order: a
market entry on the next bar, the signal's stop, and a third of the position at each of its three
targets, sized by the rule and within the portfolio's risk limits.

Every portfolio's answer is kept (FollowDecision, once per signal): the bracket placed, or why not
(the rule asks for a confidence the signal does not carry, the signal's time has passed, the price
is already beyond its levels, the rule cannot size it, a circuit breaker blocks it).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from billing.entitlements import tenant_entitlements
from config.errors import DomainError
from market.timeframes import Timeframe
from portfolios.books import epoch, fx_closes_latest, instrument_spec, last_bar, rate_to
from portfolios.broker.sizing import SizingRefused, SizingRule, position_size
from portfolios.models import (
    OPEN_ORDER_STATUSES,
    FollowDecision,
    FollowRule,
    PaperOrder,
    PaperPosition,
    Portfolio,
)
from portfolios.services import OrderRequest, order_place
from signals.models import Signal, SignalPublication
from watchlists.actors import Actor

TARGET_FRACTIONS = (1 / 3, 1 / 3, 1 / 3)
NO_CONFIDENCE = ("This rule asks for a confidence of at least {minimum:.0%}; Beacon's signals carry no confidence "
                 "yet (the model has not shown out-of-sample skill), so no signal passes it.")


def signal_follow(*, publication_id: int) -> list[FollowDecision]:
    """The decisions of the portfolios that follow the publication's signal (each in its own transaction)."""
    publication = (SignalPublication.objects.select_related("signal__instrument", "signal__strategy")
                   .filter(pk=publication_id).first())
    if publication is None:
        return []
    signal = publication.signal
    rules = (FollowRule.objects.filter(is_active=True)
             .filter(Q(strategy=None) | Q(strategy=signal.strategy_id))
             .filter(Q(asset_class="") | Q(asset_class=signal.asset_class))
             .select_related("portfolio__tenant").order_by("portfolio_id", "id"))
    first_rule: dict[int, FollowRule] = {}
    for rule in rules:
        first_rule.setdefault(rule.portfolio_id, rule)
    tiers: dict[int, str] = {}
    decisions = []
    for rule in first_rule.values():
        tenant = rule.portfolio.tenant
        if tenant.pk not in tiers:
            tiers[tenant.pk] = tenant_entitlements(tenant=tenant).plan_code
        if tiers[tenant.pk] != publication.tier:
            continue  # the tenant sees this signal through its own tier's publication
        decision = _decide(rule, signal)
        if decision is not None:
            decisions.append(decision)
    return decisions


def _decide(rule: FollowRule, signal: Signal) -> FollowDecision | None:
    portfolio = rule.portfolio
    if FollowDecision.objects.filter(portfolio=portfolio, signal=signal).exists():
        return None
    try:
        with transaction.atomic():
            quantity = _place(rule, portfolio, signal)
            return FollowDecision.objects.create(portfolio=portfolio, signal=signal, rule=rule, placed=True,
                                                 quantity=quantity)
    except (DomainError, SizingRefused) as refused:
        reason = refused.message if isinstance(refused, DomainError) else str(refused)
        if isinstance(refused, DomainError) and refused.fields:
            reason += " " + " ".join(f"{f}: {' '.join(m)}" for f, m in refused.fields.items() if f not in reason)
        return FollowDecision.objects.get_or_create(portfolio=portfolio, signal=signal,
                                                    defaults={"rule": rule, "placed": False,
                                                              "reason": reason[:400]})[0]


class NotFollowed(DomainError):
    code = "not_followed"


def _ensure_not_stacked(portfolio: Portfolio, signal: Signal) -> None:
    """A followed signal opens its own trade: none while the portfolio holds the instrument or works an
    order on it (a net position would merge the trades, their stops and their journal lines)."""
    held = PaperPosition.objects.filter(portfolio=portfolio, instrument=signal.instrument).exists()
    working = PaperOrder.objects.filter(portfolio=portfolio, instrument=signal.instrument,
                                        status__in=OPEN_ORDER_STATUSES).exists()
    if held or working:
        raise NotFollowed(f"The portfolio already {'holds' if held else 'has open orders on'} "
                          f"{signal.instrument.symbol}: a followed signal is not stacked on another trade.")


def _ensure_levels_ahead(signal: Signal, price: float) -> None:
    """The newest close must still lie between the signal's stop and its first target."""
    sign = 1 if signal.direction == "BUY" else -1
    if sign * (price - signal.stop) <= 0:
        raise NotFollowed(f"The price ({price:g}) is already at or beyond the signal's stop ({signal.stop:g}).")
    if sign * (price - signal.target_1) >= 0:
        raise NotFollowed(f"The price ({price:g}) is already at or beyond the signal's first target "
                          f"({signal.target_1:g}).")


def _place(rule: FollowRule, portfolio: Portfolio, signal: Signal) -> float:
    """Size and place the signal's bracket on the portfolio; its quantity, or a DomainError saying why not."""
    if rule.min_confidence is not None:
        if signal.confidence is None:
            raise NotFollowed(NO_CONFIDENCE.format(minimum=rule.min_confidence))
        if signal.confidence < rule.min_confidence:
            raise NotFollowed(f"The signal's confidence {signal.confidence:.0%} is below the rule's "
                              f"{rule.min_confidence:.0%}.")
    instrument = signal.instrument
    bar = last_bar(instrument, signal.timeframe)
    if bar is None:
        raise NotFollowed(f"{instrument.symbol} has no {signal.timeframe} bar to trade from.")
    seconds = Timeframe(signal.timeframe).seconds
    market_now = epoch(bar.time) + seconds
    valid_for = max((signal.valid_until - signal.created_at).total_seconds(), 0)
    if market_now > epoch(signal.bar_time + timedelta(seconds=seconds + valid_for)):
        raise NotFollowed("The signal's time had passed when it reached this portfolio's plan.")
    _ensure_not_stacked(portfolio, signal)
    _ensure_levels_ahead(signal, bar.close)
    rate = rate_to(instrument.quote_currency, portfolio.currency, fx_closes_latest())
    if rate is None:
        raise NotFollowed(f"No FX close converts {instrument.quote_currency} to {portfolio.currency}.")
    sizing = SizingRule(method=rule.sizing, risk_fraction=rule.risk_fraction, amount=rule.amount,
                        kelly_multiplier=rule.kelly_multiplier, kelly_cap=rule.kelly_cap)
    quantity = position_size(sizing, equity=portfolio.equity, entry=bar.close, stop=signal.stop,
                             instrument=instrument_spec(instrument), rate=rate, confidence=signal.confidence,
                             payoff_ratio=max(signal.risk_reward, 1e-9))
    targets = [{"price": price, "fraction": fraction} for price, fraction in
               zip((signal.target_1, signal.target_2, signal.target_3), TARGET_FRACTIONS, strict=True)]
    system = Actor(tenant=portfolio.tenant, user=None, manages=True, credited_to=None)
    order_place(actor=system, portfolio=portfolio, signal=signal, request=OrderRequest(
        symbol=instrument.symbol, side="buy" if signal.direction == "BUY" else "sell", quantity=quantity,
        timeframe=signal.timeframe, bracket=True, stop_loss=signal.stop, targets=targets))
    return quantity
