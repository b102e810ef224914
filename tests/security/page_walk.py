"""The pages of the website, generated from the URL conf: every named route, with the URL arguments of
tenant A's objects from the isolation walk's registry (tests/isolation/routes.py and world.py), and
those of the public routes from PUBLIC_KWARGS below.

A new route without arguments is walked as it is; one with arguments is walked once it is declared in
tests/isolation/routes.py (Owned: nothing to add here) or, when Public, given its arguments here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from signals.models import Signal
from tests.api_v1.conftest import publish
from tests.isolation.routes import ROUTES, Owned
from tests.isolation.test_route_walk import ROUTE_ARGUMENTS
from tests.isolation.world import World, world_build
from tests.signals.website import daily_bars, midnight_days_ago


def _signal(world: World) -> Signal:
    return world.objects["signal"]  # type: ignore[return-value]


PUBLIC_KWARGS: dict[str, Callable[[World], dict]] = {
    "accounts:verify_email": lambda world: {"token": "not-a-token"},
    "accounts:password_reset_confirm": lambda world: {
        "uidb64": urlsafe_base64_encode(force_bytes(world.alice.pk)),
        "token": default_token_generator.make_token(world.alice)},
    "accounts:invitation_accept": lambda world: {"token": "not-a-token"},
    "billing_checkout": lambda world: {"plan_code": "pro"},
    "api-v1:bar-list": lambda world: {"symbol": "GOOG"},
    "api-v1:signal-detail": lambda world: {"signal_id": _signal(world).pk},
    "signals:detail": lambda world: {"signal_id": _signal(world).pk},
    "market:instrument": lambda world: {"symbol": "GOOG"},
}


def page_world_build() -> World:
    """The isolation walk's world, with a price history and a published signal, so that the chart
    pages draw what they draw for a subscriber."""
    world = world_build()
    daily_bars("GOOG", until=midnight_days_ago(1), count=120, start_price=140.0)
    world.objects["signal"] = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(3))
    return world


def route_urls(world: World) -> tuple[list[str], list[str]]:
    """(the URL of every route the walk can name, the routes it cannot name yet)."""
    urls, undeclared = [], []
    for route, arguments in sorted(ROUTE_ARGUMENTS.items()):
        if route == "api-v1:endpoint-not-found":
            continue
        if not arguments:
            urls.append(reverse(route))
            continue
        kind = ROUTES.get(route)
        if isinstance(kind, Owned):
            urls.append(reverse(route, kwargs=kind.kwargs(world)))
        elif route in PUBLIC_KWARGS:
            urls.append(reverse(route, kwargs=PUBLIC_KWARGS[route](world)))
        else:
            undeclared.append(route)
    return urls, undeclared
