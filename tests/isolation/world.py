"""Tenant A's world for the generated isolation walk: one object of every tenant-owned kind, each
carrying a marker that no page or answer for tenant B may ever contain.

A new tenant-owned kind adds its object here and its routes in tests/isolation/routes.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, Tenant, User
from accounts.services import api_key_create
from alerts.deliveries import deliveries_create_for_event
from alerts.models import AlertRule, Channel, Notification
from backtests.models import Backtest
from market.models import Instrument
from market.services import instrument_catalogue_load
from portfolios.models import FollowRule, PaperOrder, Portfolio
from tests.alerts.conftest import alert_event, destination, subscribe
from tests.factories import TenantFactory, member
from watchlists.models import Watchlist, WatchlistItem

SECRET = "ALPHA-SECRET"  # in every name of tenant A's objects


@dataclass
class World:
    """Tenant A (alice, its owner, and bob) with its objects; tenant B (charlie, its owner)."""

    tenant_a: Tenant
    alice: User
    bob: User
    tenant_b: Tenant
    charlie: User
    objects: dict[str, models.Model] = field(default_factory=dict)

    @property
    def markers(self) -> tuple[str, ...]:
        return (SECRET, self.tenant_a.name, self.alice.email, self.bob.email)


def world_build() -> World:
    instrument_catalogue_load()
    tenant_a = TenantFactory(name="Alpha Capital", slug="alpha")
    tenant_b = TenantFactory(name="Bravo Trading", slug="bravo")
    for tenant in (tenant_a, tenant_b):
        subscribe(tenant, "premium")  # every feature on: nothing answers "not in your plan" instead of 404
    alice = member(tenant_a, Role.OWNER, email="alice@example.com", full_name="Alice Owner")
    bob = member(tenant_a, Role.MEMBER, email="bob@example.com", full_name="Bob Member")
    charlie = member(tenant_b, Role.OWNER, email="charlie@example.com", full_name="Charlie Other")
    world = World(tenant_a=tenant_a, alice=alice, bob=bob, tenant_b=tenant_b, charlie=charlie)

    btc = Instrument.objects.get(symbol="BTCUSD")
    watchlist = Watchlist.objects.create(tenant=tenant_a, name=f"{SECRET} watchlist", created_by=alice)
    WatchlistItem.objects.create(watchlist=watchlist, instrument=btc, note=f"{SECRET} note", position=0)
    rule = AlertRule.objects.create(tenant=tenant_a, name=f"{SECRET} rule", created_by=alice, kind="price",
                                    instrument=btc, timeframe="H1", op="above", value=1.0, channels=["in_app"])
    hook = destination(tenant=tenant_a, member=alice, channel=Channel.WEBHOOK, label=f"{SECRET} hook")
    event = alert_event(tenant=tenant_a, member=alice, channels=["webhook"], title=f"{SECRET} event")
    [delivery] = deliveries_create_for_event(event=event)
    notification = Notification.objects.create(tenant=tenant_a, member=alice, title=f"{SECRET} notification")
    invitation = Invitation.objects.create(tenant=tenant_a, email="alpha-secret-invitee@example.com",
                                           invited_by=alice, token_hash="x" * 64, role=Role.MEMBER,
                                           expires_at=timezone.now() + timedelta(days=7))
    key, _ = api_key_create(tenant=tenant_a, name=f"{SECRET} key", scope="write", created_by=alice)
    backtest = Backtest.objects.create(tenant=tenant_a, created_by=alice, instrument=btc, timeframe="D1",
                                       params={"strategy": "sma_cross", "symbol": "BTCUSD", "note": SECRET},
                                       data_hash="0" * 64, cache_key="0" * 64)
    portfolio = Portfolio.objects.create(tenant=tenant_a, name=f"{SECRET} portfolio", created_by=alice,
                                         cash=100_000.0, equity=100_000.0)
    follow_rule = FollowRule.objects.create(portfolio=portfolio)
    order = PaperOrder.objects.create(portfolio=portfolio, instrument=btc, timeframe="H1", ref=f"{SECRET}-1",
                                      side="buy", quantity=0.5, type="limit", limit_price=1.0, created_at=0)
    world.objects.update(
        portfolio=portfolio, follow_rule=follow_rule, order=order,
        tenant=tenant_a, watchlist=watchlist, instrument=btc, alert_rule=rule, destination=hook, alert_event=event,
        delivery=delivery, notification=notification, invitation=invitation, api_key=key,
        membership=Membership.objects.get(tenant=tenant_a, user=bob), backtest=backtest,
    )
    return world


def outsider_key_headers(world: World) -> dict[str, str]:
    """A write-scoped key of tenant B, created by charlie."""
    _, plaintext = api_key_create(tenant=world.tenant_b, name="outsider", scope="write", created_by=world.charlie)
    return {"Authorization": f"Bearer {plaintext}"}


def tenant_rows(tenant: Tenant) -> dict[str, list[dict]]:
    """Every row of every model that carries `tenant`, as values: what no outsider may change."""
    rows: dict[str, list[dict]] = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "tenant" in names:
            rows[model._meta.label] = list(model.objects.filter(tenant=tenant).order_by("pk").values())
    rows["watchlists.WatchlistItem"] = list(WatchlistItem.objects.filter(watchlist__tenant=tenant).order_by("pk")
                                            .values())
    for model in (FollowRule, PaperOrder):
        rows[model._meta.label] = list(model.objects.filter(portfolio__tenant=tenant).order_by("pk").values())
    rows["accounts.User"] = list(User.objects.filter(memberships__tenant=tenant).order_by("pk").values())
    return rows

