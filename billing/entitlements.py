"""What a tenant may do: the one function every app asks (DESIGN.md principle 4).

`tenant_entitlements(tenant=...)` reads the tenant's plan with the subscription's status applied:
active and trialing subscriptions give their plan; a past-due one keeps it for the grace period;
anything else falls back to the default (Free) plan. No code compares plan names.

`tenant_entitlements_cached` is the same answer from Django's cache, for the API's hot path: it is
forgotten when billing applies a change of the tenant's subscription (`entitlements_forget`, called
by billing.sync), and lives at most ENTITLEMENTS_CACHE_SECONDS, the longest a plan edited in the
catalogue or a grace period that ran out takes to reach the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from billing.catalogue import CHANNEL_LABELS
from billing.models import Plan, Subscription, SubscriptionStatus
from config.absolute_url import absolute_url
from config.errors import NotEntitled, PlanLimitReached

PAID_STATUSES = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING}
ENTITLEMENTS_CACHE_SECONDS = 60

# How a subscriber reads each counted limit (one, several) and each feature: no field name reaches a message.
LIMIT_NOUNS: dict[str, tuple[str, str]] = {
    "seats": ("seat", "seats"),
    "watchlists": ("watchlist", "watchlists"),
    "symbols_per_watchlist": ("symbol per watchlist", "symbols per watchlist"),
    "active_alerts": ("active alert", "active alerts"),
    "paper_portfolios": ("paper portfolio", "paper portfolios"),
    "backtests_per_day": ("backtest a day", "backtests a day"),
    "optimisation_trials": ("trial per optimisation", "trials per optimisation"),
    "websocket_connections": ("live feed connection", "live feed connections"),
}
FEATURE_LABELS: dict[str, str] = {  # {value} is the label of the value asked for, for set features
    "has_api": "API access",
    "shows_live_scores": "the engine's live scores and leanings",
    "shows_confidence": "the confidence of signals",
    "shows_reasoning": "the reasoning behind signals",
    "alert_channels": "{value} alerts",
    "asset_classes": "{value} signals",
    "instruments": "signals on {value}",
    "timeframes": "the {value} timeframe",
}
VALUE_LABELS: dict[str, str] = {**CHANNEL_LABELS, "stock": "stock", "forex": "forex", "crypto": "crypto"}


@dataclass(frozen=True)
class Entitlements:
    plan_code: str
    plan_name: str
    seats: int
    watchlists: int
    symbols_per_watchlist: int
    active_alerts: int
    alert_channels: frozenset[str]
    paper_portfolios: int
    backtests_per_day: int
    optimisation_trials: int
    api_requests_per_minute: int
    api_requests_per_day: int
    websocket_connections: int
    asset_classes: frozenset[str]
    instruments: frozenset[str]
    timeframes: frozenset[str]
    signal_delay_seconds: int
    shows_confidence: bool
    shows_reasoning: bool
    engine_cadence_seconds: int

    @property
    def has_api(self) -> bool:
        return self.api_requests_per_minute > 0 and self.api_requests_per_day > 0

    @property
    def shows_live_scores(self) -> bool:
        """Whether the plan sees the engine's live score and leaning of a pair (the screener's): only a plan
        that receives signals without a delay, as a delayed plan would read a signal in them before its time."""
        return self.signal_delay_seconds == 0

    def covers(self, *, symbol: str, asset_class: str, timeframe: str) -> bool:
        """Whether the engine's universe of this plan includes the instrument and timeframe."""
        return (asset_class in self.asset_classes and timeframe in self.timeframes
                and (not self.instruments or symbol in self.instruments))

    @classmethod
    def from_plan(cls, plan: Plan) -> Entitlements:
        return cls(
            plan_code=plan.code, plan_name=plan.name, seats=plan.seats, watchlists=plan.watchlists,
            symbols_per_watchlist=plan.symbols_per_watchlist, active_alerts=plan.active_alerts,
            alert_channels=frozenset(plan.alert_channels), paper_portfolios=plan.paper_portfolios,
            backtests_per_day=plan.backtests_per_day, optimisation_trials=plan.optimisation_trials,
            api_requests_per_minute=plan.api_requests_per_minute,
            api_requests_per_day=plan.api_requests_per_day, websocket_connections=plan.websocket_connections,
            asset_classes=frozenset(plan.asset_classes), instruments=frozenset(plan.instruments),
            timeframes=frozenset(plan.timeframes), signal_delay_seconds=plan.signal_delay_seconds,
            shows_confidence=plan.shows_confidence, shows_reasoning=plan.shows_reasoning,
            engine_cadence_seconds=plan.engine_cadence_seconds,
        )


def plan_default() -> Plan:
    """The plan of a tenant without a paid subscription (Free)."""
    return Plan.objects.get(is_default=True)


def plan_effective(*, subscription: Subscription | None, now=None) -> Plan:
    """The plan the subscription's status grants now."""
    now = now or timezone.now()
    if subscription is None:
        return plan_default()
    if subscription.status in PAID_STATUSES:
        return subscription.plan
    if subscription.status == SubscriptionStatus.PAST_DUE:
        grace = timedelta(days=settings.BILLING_GRACE_DAYS)
        since = subscription.past_due_since or now
        if now < since + grace:
            return subscription.plan
    return plan_default()


def plans_covering(*, symbol: str, asset_class: str, timeframe: str) -> list[tuple[Plan, Entitlements]]:
    """Every plan whose engine universe includes the instrument and timeframe, with its entitlements,
    in the catalogue's order."""
    return [(plan, entitlements) for plan in Plan.objects.all()
            if (entitlements := Entitlements.from_plan(plan)).covers(symbol=symbol, asset_class=asset_class,
                                                                     timeframe=timeframe)]


def tenant_entitlements(*, tenant, now=None) -> Entitlements:
    """The entitlements of the tenant's effective plan."""
    subscription = Subscription.objects.select_related("plan").filter(tenant=tenant).first()
    return Entitlements.from_plan(plan_effective(subscription=subscription, now=now))


def upgrade_url() -> str:
    return absolute_url(reverse("pricing"))


def limit_amount(*, limit: str, count: int) -> str:
    """`count` of the limit's thing in words: "1 seat", "3 seats", "1 symbol per watchlist"."""
    one, several = LIMIT_NOUNS[limit]
    return f"{count} {one if count == 1 else several}"


def feature_label(*, feature: str, value: str | None = None) -> str:
    """What a subscriber calls the feature (with the value asked for): "API access", "webhook alerts"."""
    return FEATURE_LABELS[feature].format(value=VALUE_LABELS.get(value, value) if value is not None else "")


def limit_ensure_available(*, tenant, limit: str, used: int, adding: int = 1) -> Entitlements:
    """Raise PlanLimitReached (402, with limit, use and upgrade link) if `used + adding` exceeds `limit`."""
    entitlements = tenant_entitlements(tenant=tenant)
    allowed = getattr(entitlements, limit)
    if used + adding > allowed:
        raise PlanLimitReached(
            f"Your {entitlements.plan_name} plan allows {limit_amount(limit=limit, count=allowed)}; you use {used}."
            " Upgrade for more.",
            limit=limit, allowed=allowed, used=used, upgrade_url=upgrade_url(),
        )
    return entitlements


def feature_ensure(*, tenant, feature: str, value: str | None = None,
                   entitlements: Entitlements | None = None) -> Entitlements:
    """Raise NotEntitled unless the plan has the boolean `feature`, or `value` in the set `feature`.
    `entitlements`: the tenant's, when the caller has read them already."""
    entitlements = entitlements or tenant_entitlements(tenant=tenant)
    granted = getattr(entitlements, feature)
    ok = (value in granted) if value is not None else bool(granted)
    if not ok:
        raise NotEntitled(f"Your {entitlements.plan_name} plan does not include "
                          f"{feature_label(feature=feature, value=value)}. Upgrade to get it.",
                          feature=feature, upgrade_url=upgrade_url())
    return entitlements


def entitlements_cache_key(tenant_id: int) -> str:
    """Where `tenant_entitlements_cached` keeps the tenant's entitlements (the API's throttle reads them
    in the round trip that counts the call)."""
    return f"beacon:entitlements:{tenant_id}"


def tenant_entitlements_cached(*, tenant) -> Entitlements:
    """`tenant_entitlements` from the cache, read from the database at most once per
    ENTITLEMENTS_CACHE_SECONDS per tenant unless billing forgets them sooner."""
    key = entitlements_cache_key(tenant.pk)
    entitlements = cache.get(key)
    if entitlements is None:
        entitlements = tenant_entitlements(tenant=tenant)
        cache.set(key, entitlements, ENTITLEMENTS_CACHE_SECONDS)
    return entitlements


def entitlements_forget(*, tenant_id: int) -> None:
    """Drop the tenant's cached entitlements, after its subscription changed."""
    cache.delete(entitlements_cache_key(tenant_id))
