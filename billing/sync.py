"""Billing state mirrors Stripe's: webhooks, re-reads and reconcile all go through `subscription_apply`.

Ordering: each applied state carries its time (the event's `created`, or the time of a re-read).
A state older than the one already applied is ignored, so events may arrive in any order and a
replayed event changes nothing (it is also stored once by id).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import stripe
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role, Tenant
from alerts.services import alert_rules_fit_plan
from billing.entitlements import entitlements_forget
from billing.models import Plan, StripeEvent, Subscription, SubscriptionStatus
from billing.services import subscription_get_or_create
from billing.stripe_client import stripe_api
from config.absolute_url import absolute_url
from config.epoch import utc_from_epoch
from config.errors import InvalidInput

HANDLED = {"checkout.session.completed", "customer.subscription.created", "customer.subscription.updated",
           "customer.subscription.deleted", "invoice.paid", "invoice.payment_failed"}


def _at(epoch: int | None) -> datetime | None:
    return utc_from_epoch(epoch) if epoch else None


def plan_for_price(price_id: str) -> Plan | None:
    return Plan.objects.filter(stripe_price_monthly=price_id).first() or \
        Plan.objects.filter(stripe_price_yearly=price_id).first()


def _price_id(stripe_subscription: dict) -> str:
    item = stripe_subscription["items"]["data"][0]
    return (item.get("price") or item.get("plan") or {}).get("id", "")


def _tenant_for(stripe_subscription: dict) -> Tenant | None:
    by_subscription = Subscription.objects.filter(stripe_subscription_id=stripe_subscription["id"]).first()
    if by_subscription:
        return by_subscription.tenant
    by_customer = Subscription.objects.filter(stripe_customer_id=stripe_subscription["customer"]).first()
    if by_customer:
        return by_customer.tenant
    tenant_id = (stripe_subscription.get("metadata") or {}).get("tenant_id")
    if not tenant_id:  # e.g. a subscription staff created in Stripe's dashboard: the customer knows
        customer = stripe_api().Customer.retrieve(stripe_subscription["customer"]).to_dict()
        tenant_id = (customer.get("metadata") or {}).get("tenant_id")
    return Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None


@transaction.atomic
def subscription_apply(*, stripe_subscription: dict, state_at: datetime) -> str:
    """Mirror a Stripe subscription object as of `state_at`; returns what happened, in words."""
    tenant = _tenant_for(stripe_subscription)
    if tenant is None:
        return f"no tenant for {stripe_subscription['id']}"
    subscription = Subscription.objects.select_for_update().get(pk=subscription_get_or_create(tenant=tenant).pk)
    if subscription.stripe_updated_at and state_at < subscription.stripe_updated_at:
        return f"ignored: older than the state applied at {subscription.stripe_updated_at:%Y-%m-%d %H:%M:%S}"
    if subscription.stripe_subscription_id and subscription.stripe_subscription_id != stripe_subscription["id"] \
            and subscription.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING) \
            and stripe_subscription["status"] == SubscriptionStatus.CANCELED:
        return "ignored: an old subscription ended while a newer one is active"
    plan = plan_for_price(_price_id(stripe_subscription))
    if plan is None:
        return f"no plan has the price {_price_id(stripe_subscription)!r}"
    transaction.on_commit(lambda: entitlements_forget(tenant_id=tenant.pk))  # the API reads them cached
    status = stripe_subscription["status"]
    before = f"{subscription.plan.name} ({subscription.status})"
    subscription.plan = plan
    subscription.status = status
    subscription.stripe_subscription_id = stripe_subscription["id"]
    subscription.stripe_customer_id = stripe_subscription["customer"]
    subscription.current_period_end = _at(stripe_subscription.get("current_period_end"))
    subscription.trial_end = _at(stripe_subscription.get("trial_end"))
    subscription.cancel_at_period_end = bool(stripe_subscription.get("cancel_at_period_end"))
    if status == SubscriptionStatus.PAST_DUE:
        subscription.past_due_since = subscription.past_due_since or state_at
    else:
        subscription.past_due_since = None
        subscription.past_due_notified_at = None
    subscription.stripe_updated_at = state_at
    subscription.updated_at = timezone.now()
    subscription.save()
    alert_rules_fit_plan(tenant=tenant)
    if status == SubscriptionStatus.PAST_DUE and subscription.past_due_notified_at is None:
        _notify_past_due(subscription)
    return f"{before} -> {plan.name} ({status})"


def _owner_emails(tenant: Tenant) -> list[str]:
    return list(Membership.objects.filter(tenant=tenant, role=Role.OWNER).values_list("user__email", flat=True))


def _notify_past_due(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(past_due_notified_at=timezone.now())
    grace_ends = (subscription.past_due_since or timezone.now()) + timedelta(days=settings.BILLING_GRACE_DAYS)
    recipients = _owner_emails(subscription.tenant)
    transaction.on_commit(lambda: send_mail(
        "Your Beacon payment failed",
        f"We could not collect the payment for {subscription.tenant.name}'s {subscription.plan.name} plan.\n"
        f"You keep your plan until {grace_ends:%Y-%m-%d}; update your card in Billing to keep it after that.\n"
        f"{absolute_url(reverse('billing'))}\n",
        None, recipients))


def subscription_sync_from_stripe(*, tenant: Tenant, now: datetime | None = None) -> str:
    """Re-read the tenant's subscription from Stripe and apply it (for missed webhooks)."""
    subscription = subscription_get_or_create(tenant=tenant)
    now = now or timezone.now()
    stripe = stripe_api()
    if subscription.stripe_subscription_id:
        remote = stripe.Subscription.retrieve(subscription.stripe_subscription_id).to_dict()
        return subscription_apply(stripe_subscription=remote, state_at=now)
    if subscription.stripe_customer_id:
        remote = stripe.Subscription.list(customer=subscription.stripe_customer_id, status="all", limit=1).data
        if remote:
            return subscription_apply(stripe_subscription=remote[0].to_dict(), state_at=now)
    return "unchanged: no Stripe subscription"


def reconcile_all(*, now: datetime | None = None) -> list[tuple[Tenant, str]]:
    """Re-read every tenant that has a Stripe customer; returns (tenant, what changed)."""
    return [(s.tenant, subscription_sync_from_stripe(tenant=s.tenant, now=now))
            for s in Subscription.objects.exclude(stripe_customer_id="").select_related("tenant")]


def webhook_event_process(*, payload: bytes, signature: str) -> str:
    """Verify, store once and apply a Stripe webhook event; InvalidInput for a bad signature or body."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET,
                                               tolerance=settings.STRIPE_WEBHOOK_TOLERANCE)
    except ValueError:
        raise InvalidInput("The body is not a Stripe event.", fields={"body": ["Malformed JSON."]}) from None
    except stripe.SignatureVerificationError as error:
        raise InvalidInput("The Stripe-Signature header does not verify.",
                           fields={"Stripe-Signature": [str(error.user_message or error)]}) from None
    with transaction.atomic():
        stored, created = StripeEvent.objects.get_or_create(
            event_id=event["id"], defaults={"type": event["type"], "created": _at(event["created"])})
        if not created:
            return "duplicate: already received"
        outcome = _dispatch(event) if event["type"] in HANDLED else "ignored: not an event Beacon uses"
        StripeEvent.objects.filter(pk=stored.pk).update(processed_at=timezone.now(), outcome=outcome[:200])
    return outcome


def _dispatch(event) -> str:
    obj = event["data"]["object"].to_dict() if hasattr(event["data"]["object"], "to_dict") else event["data"]["object"]
    state_at = _at(event["created"])
    kind = event["type"]
    if kind.startswith("customer.subscription."):
        if kind == "customer.subscription.deleted":
            obj["status"] = SubscriptionStatus.CANCELED
        if _applied_in_the_same_second(obj["id"], state_at):
            # Event times have one-second resolution: which of two same-second events is newer is
            # unknown, so ask Stripe for the subscription as it is now.
            obj = stripe_api().Subscription.retrieve(obj["id"]).to_dict()
        return subscription_apply(stripe_subscription=obj, state_at=state_at)
    if kind == "checkout.session.completed":
        tenant = Tenant.objects.filter(pk=obj.get("client_reference_id")).first()
        if tenant is None or not obj.get("subscription"):
            return "checkout without a tenant or subscription"
        Subscription.objects.filter(pk=subscription_get_or_create(tenant=tenant).pk).update(
            stripe_customer_id=obj["customer"])
        remote = stripe_api().Subscription.retrieve(obj["subscription"]).to_dict()
        return subscription_apply(stripe_subscription=remote, state_at=state_at)
    # invoice.paid / invoice.payment_failed: the subscription's own state says what follows.
    subscription_id = invoice_subscription_id(obj)
    if not subscription_id:
        return "invoice without a subscription"
    remote = stripe_api().Subscription.retrieve(subscription_id).to_dict()
    if kind == "invoice.payment_failed" and remote["status"] == SubscriptionStatus.ACTIVE:
        remote["status"] = SubscriptionStatus.PAST_DUE  # Stripe marks it past_due as the retry starts
    return subscription_apply(stripe_subscription=remote, state_at=state_at)


def _applied_in_the_same_second(stripe_subscription_id: str, state_at: datetime) -> bool:
    return Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id,
                                       stripe_updated_at=state_at).exists()


def invoice_subscription_id(invoice: dict) -> str | None:
    """The invoice's subscription in either API shape: `subscription` (before 2025-03-31) or
    `parent.subscription_details.subscription` (since)."""
    if invoice.get("subscription"):
        subscription = invoice["subscription"]
        return subscription if isinstance(subscription, str) else subscription.get("id")
    details = ((invoice.get("parent") or {}).get("subscription_details") or {})
    return details.get("subscription")


def downgrades_notify(*, now: datetime | None = None) -> int:
    """Tell the owners of tenants whose grace period ended that they are on Free now; once each."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BILLING_GRACE_DAYS)
    due = Subscription.objects.filter(status=SubscriptionStatus.PAST_DUE, past_due_since__lte=cutoff,
                                      downgrade_notified_at=None).select_related("tenant", "plan")
    count = 0
    for subscription in due:
        claimed = Subscription.objects.filter(pk=subscription.pk, downgrade_notified_at=None).update(
            downgrade_notified_at=now)
        if claimed:
            alert_rules_fit_plan(tenant=subscription.tenant, now=now)
            send_mail("Your Beacon plan is now Free",
                      f"The payment for {subscription.tenant.name}'s {subscription.plan.name} plan is still "
                      f"outstanding, so the organisation is on the Free plan. Nothing was deleted; what goes "
                      f"beyond Free's limits is paused or read-only until you pay.\n"
                      f"{absolute_url(reverse('billing'))}\n",
                      None, _owner_emails(subscription.tenant))
            count += 1
    return count
