"""The demo's paper portfolio: the demo member's team gets "Demo: follows signals", which follows every
signal with 1% of equity at risk, so `make run` shows it trading the replay (its page: positions, the
equity curve, the journal).

Following needs signals as they are published: a plan that delays them (Free, by an hour) sees each one
after its time has passed in the replay (a bar every few seconds), so a team on such a plan is given a
trial of the first plan without a delay, as a new subscriber's trial would.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from billing.entitlements import entitlements_forget, tenant_entitlements
from billing.models import Plan, Subscription, SubscriptionStatus
from portfolios.models import Portfolio
from portfolios.services import follow_rule_create, portfolio_create
from watchlists.actors import Actor

DEMO_PORTFOLIO_NAME = "Demo: follows signals"
TRIAL_DAYS = 14


@transaction.atomic
def portfolio_demo_seed(*, member: User) -> Portfolio | None:
    """The demo portfolio of `member`'s first team, made once; None if the member has no team."""
    membership = Membership.objects.filter(user=member).select_related("tenant").order_by("pk").first()
    if membership is None:
        return None
    tenant = membership.tenant
    existing = Portfolio.objects.for_tenant(tenant).filter(name=DEMO_PORTFOLIO_NAME).first()
    if existing is not None:
        return existing
    if tenant_entitlements(tenant=tenant).signal_delay_seconds > 0:
        plan = Plan.objects.filter(signal_delay_seconds=0).order_by("sort_order").first()
        if plan is not None:
            Subscription.objects.update_or_create(tenant=tenant, defaults={
                "plan": plan, "status": SubscriptionStatus.TRIALING,
                "trial_end": timezone.now() + timedelta(days=TRIAL_DAYS)})
            entitlements_forget(tenant_id=tenant.pk)
    actor = Actor.member(tenant=tenant, user=member, manages=True)
    portfolio = portfolio_create(actor=actor, name=DEMO_PORTFOLIO_NAME, starting_balance=100_000)
    follow_rule_create(actor=actor, portfolio=portfolio, sizing="fixed_fraction", risk_fraction=0.01)
    return portfolio
