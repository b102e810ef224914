"""Every route of the URL conf that takes an argument, declared tenant-owned or public.

A route without arguments is walked without a declaration: whatever it shows tenant B must not
contain a marker of tenant A. A route WITH arguments names something; the walk cannot guess whose,
so it must be declared here, or the walk fails naming it:

- `Owned(kwargs)`: names an object of tenant A; `kwargs(world)` gives the URL arguments of it. The
  walk acts on it as tenant B with every method and expects exactly what B gets for an object that
  does not exist (404 for what the route does, 405 for what it does not), and no change anywhere
  in A's rows.
- `Public(reason)`: names something that belongs to no tenant, or a secret token that is itself the
  credential; the reason says which, and where that rule is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.isolation.world import World


@dataclass(frozen=True)
class Owned:
    kwargs: Callable[[World], dict]


@dataclass(frozen=True)
class Public:
    reason: str


def _pk(name: str, kwarg: str = "pk") -> Owned:
    return Owned(lambda world: {kwarg: world.objects[name].pk})


def _watchlist_item(kwarg: str) -> Owned:
    return Owned(lambda world: {kwarg: world.objects["watchlist"].pk, "symbol": world.objects["instrument"].symbol})


TOKEN = "the token in the URL is the credential (a secret sent to one address), tested in tests/accounts"
MARKET = "market data and published signals belong to no tenant; what a tier sees is tested in tests/api_v1"

ROUTES: dict[str, Owned | Public] = {
    # accounts
    "accounts:verify_email": Public(TOKEN),
    "accounts:password_reset_confirm": Public(TOKEN),
    "accounts:invitation_accept": Public(TOKEN),
    "accounts:tenant_switch": Owned(lambda world: {"tenant_id": world.tenant_a.pk}),
    "accounts:invitation_revoke": _pk("invitation", "invitation_id"),
    "accounts:member_role": _pk("membership", "membership_id"),
    "accounts:member_remove": _pk("membership", "membership_id"),
    "accounts:api_key_revoke": _pk("api_key", "key_id"),
    # billing
    "billing_checkout": Public("names a plan of the public catalogue; it acts on the member's own tenant"),
    # market and signals
    "api-v1:bar-list": Public(MARKET),
    "api-v1:signal-detail": Public(MARKET),
    "signals:detail": Public(MARKET),
    "market:instrument": Public(MARKET),
    # watchlists
    "watchlists:detail": _pk("watchlist", "watchlist_id"),
    "watchlists:update": _pk("watchlist", "watchlist_id"),
    "watchlists:delete": _pk("watchlist", "watchlist_id"),
    "watchlists:search": _pk("watchlist", "watchlist_id"),
    "watchlists:item_add": _pk("watchlist", "watchlist_id"),
    "watchlists:item_change": _watchlist_item("watchlist_id"),
    "api-v1:watchlist-detail": _pk("watchlist"),
    "api-v1:watchlist-items": _pk("watchlist"),
    "api-v1:watchlist-item": _watchlist_item("pk"),
    "api-v1:watchlist-reorder": _pk("watchlist"),
    # portfolios
    "portfolios:detail": _pk("portfolio", "portfolio_id"),
    "portfolios:order": _pk("portfolio", "portfolio_id"),
    "portfolios:journal_csv": _pk("portfolio", "portfolio_id"),
    "portfolios:settings": _pk("portfolio", "portfolio_id"),
    "portfolios:reset": _pk("portfolio", "portfolio_id"),
    "portfolios:delete": _pk("portfolio", "portfolio_id"),
    "portfolios:follow": _pk("portfolio", "portfolio_id"),
    "portfolios:order_cancel": Owned(lambda world: {"portfolio_id": world.objects["portfolio"].pk,
                                                    "order_id": world.objects["order"].pk}),
    "portfolios:follow_delete": Owned(lambda world: {"portfolio_id": world.objects["portfolio"].pk,
                                                     "rule_id": world.objects["follow_rule"].pk}),
    "api-v1:portfolio-detail": _pk("portfolio"),
    "api-v1:portfolio-drift": _pk("portfolio"),
    "api-v1:portfolio-follow-rules": _pk("portfolio"),
    "api-v1:portfolio-journal": _pk("portfolio"),
    "api-v1:portfolio-journal-csv": _pk("portfolio"),
    "api-v1:portfolio-orders": _pk("portfolio"),
    "api-v1:portfolio-positions": _pk("portfolio"),
    "api-v1:portfolio-reset": _pk("portfolio"),
    "api-v1:portfolio-risk": _pk("portfolio"),
    "api-v1:portfolio-cancel": Owned(lambda world: {"pk": world.objects["portfolio"].pk,
                                                    "order_id": world.objects["order"].pk}),
    "api-v1:portfolio-follow-rule-delete": Owned(lambda world: {"pk": world.objects["portfolio"].pk,
                                                                "rule_id": world.objects["follow_rule"].pk}),
    # backtests
    "api-v1:backtest-detail": _pk("backtest"),
    "api-v1:backtest-trades": _pk("backtest"),
    "api-v1:backtest-cancel": _pk("backtest"),
    "backtests:detail": _pk("backtest", "backtest_id"),
    "backtests:status": _pk("backtest", "backtest_id"),
    "backtests:cancel": _pk("backtest", "backtest_id"),
    # alerts
    "alerts:rule_change": _pk("alert_rule", "rule_id"),
    "alerts:destination": _pk("destination", "destination_id"),
    "alerts:destination_test": _pk("destination", "destination_id"),
    "alerts:destination_enable": _pk("destination", "destination_id"),
    "alerts:webhook_secret_rotate": _pk("destination", "destination_id"),
    "alerts:destination_delete": _pk("destination", "destination_id"),
    "alerts:delivery_redeliver": _pk("delivery", "delivery_id"),
    "alerts:notification_read": _pk("notification", "notification_id"),
    "api-v1:alert-rule-detail": _pk("alert_rule"),
    "api-v1:alert-event-detail": _pk("alert_event"),
    "api-v1:notification-detail": _pk("notification"),
    "api-v1:notification-read": _pk("notification"),
    "api-v1:webhook-endpoint-detail": _pk("destination"),
    "api-v1:webhook-endpoint-deliveries": _pk("destination"),
    "api-v1:webhook-endpoint-enable": _pk("destination"),
    "api-v1:webhook-endpoint-test": _pk("destination"),
    "api-v1:webhook-endpoint-redeliver": Owned(lambda world: {"pk": world.objects["destination"].pk,
                                                              "delivery_id": world.objects["delivery"].pk}),
}

# Not walked: the admin is staff-only (tests/*/test_admin*.py); a format suffix repeats its route.
SKIPPED_NAMESPACES = ("admin",)
