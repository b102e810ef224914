"""Writes of billing data."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.catalogue import PLAN_CATALOGUE
from billing.entitlements import entitlements_forget
from billing.models import Plan, Subscription, SubscriptionStatus
from billing.stripe_client import stripe_api
from config.absolute_url import absolute_url
from config.errors import Conflict, InvalidInput

INTERVAL_WORDS = {"month": "monthly", "year": "yearly"}
LIVE_STATUSES = {SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE,
                 SubscriptionStatus.UNPAID, SubscriptionStatus.INCOMPLETE}


@transaction.atomic
def plan_catalogue_seed() -> list[Plan]:
    """Create the catalogue's plans that do not exist yet; never overwrite what staff edited."""
    plans = []
    for spec in PLAN_CATALOGUE:
        fields = {k: v for k, v in spec.items() if k != "code"}
        plan, _ = Plan.objects.get_or_create(code=spec["code"], defaults=fields)
        plans.append(plan)
    return plans


def subscription_get_or_create(*, tenant) -> Subscription:
    """The tenant's billing row; a tenant that never paid is on the default plan."""
    subscription, _ = Subscription.objects.get_or_create(
        tenant=tenant, defaults={"plan": Plan.objects.get(is_default=True), "status": SubscriptionStatus.ACTIVE})
    return subscription


@transaction.atomic
def subscription_grant(*, tenant, plan: Plan) -> Subscription:
    """Put the tenant on `plan` without Stripe, as an operator does in the admin (a complimentary plan, the
    demo's): active, with no period end, until an operator changes it or the tenant buys a plan. A tenant
    with a Stripe subscription keeps it (Conflict): Stripe decides its plan."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_get_or_create(tenant=tenant).pk)
    if subscription.stripe_subscription_id:
        raise Conflict("This organisation pays through Stripe: change its plan there.",
                       fields={"plan": ["The Stripe subscription decides the plan."]})
    if (subscription.plan_id, subscription.status) != (plan.pk, SubscriptionStatus.ACTIVE):
        subscription.plan, subscription.status = plan, SubscriptionStatus.ACTIVE
        subscription.updated_at = timezone.now()
        subscription.save(update_fields=["plan", "status", "updated_at"])
        transaction.on_commit(lambda: entitlements_forget(tenant_id=tenant.pk))
    return subscription


def customer_ensure(*, tenant, email: str) -> str:
    """The tenant's Stripe customer id, created once."""
    subscription = subscription_get_or_create(tenant=tenant)
    if subscription.stripe_customer_id:
        return subscription.stripe_customer_id
    stripe = stripe_api()
    customer = stripe.Customer.create(name=tenant.name, email=email, metadata={"tenant_id": str(tenant.pk)},
                                      idempotency_key=f"beacon-customer-{tenant.pk}")
    Subscription.objects.filter(pk=subscription.pk, stripe_customer_id="").update(stripe_customer_id=customer.id)
    return Subscription.objects.get(pk=subscription.pk).stripe_customer_id


def checkout_session_create(*, tenant, user, plan: Plan, interval: str) -> str:
    """A Stripe Checkout session (subscription mode) for `plan`; returns the URL to send the user to."""
    price = {"month": plan.stripe_price_monthly, "year": plan.stripe_price_yearly}.get(interval)
    if not price:
        interval_words = INTERVAL_WORDS.get(interval, repr(interval))
        raise InvalidInput("This plan cannot be bought that way.",
                           fields={"interval": [f"{plan.name} has no {interval_words} price."]})
    current = Subscription.objects.filter(tenant=tenant).exclude(stripe_subscription_id="").first()
    if current is not None and current.status in LIVE_STATUSES:
        raise Conflict("You already have a subscription: change the plan under Manage.",
                       fields={"plan": ["Use Manage to change an existing subscription."]})
    stripe = stripe_api()
    subscription_data: dict[str, object] = {"metadata": {"tenant_id": str(tenant.pk), "plan": plan.code}}
    if plan.trial_days and not Subscription.objects.filter(tenant=tenant).exclude(stripe_subscription_id="").exists():
        subscription_data["trial_period_days"] = plan.trial_days
    session = stripe.checkout.Session.create(
        mode="subscription",
        customer=customer_ensure(tenant=tenant, email=user.email),
        client_reference_id=str(tenant.pk),
        line_items=[{"price": price, "quantity": 1}],
        subscription_data=subscription_data,
        success_url=absolute_url(reverse("billing") + "?checkout=success"),
        cancel_url=absolute_url(reverse("billing") + "?checkout=cancelled"),
    )
    return session.url


def portal_session_create(*, tenant) -> str:
    """A Stripe Customer Portal session to change plan, update the card or cancel; returns its URL."""
    subscription = subscription_get_or_create(tenant=tenant)
    if not subscription.stripe_customer_id:
        raise InvalidInput("There is nothing to manage yet: choose a plan first.")
    session = stripe_api().billing_portal.Session.create(
        customer=subscription.stripe_customer_id, return_url=absolute_url(reverse("billing")))
    return session.url
