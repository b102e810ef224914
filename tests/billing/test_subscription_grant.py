"""An operator's complimentary plan (billing.services.subscription_grant): what the demo is on."""

import pytest

from billing.entitlements import tenant_entitlements, tenant_entitlements_cached
from billing.models import Subscription, SubscriptionStatus
from billing.services import plan_catalogue_seed, subscription_grant
from config.errors import Conflict


@pytest.fixture
def plans(db):
    return {p.code: p for p in plan_catalogue_seed()}


def test_a_granted_plan_is_active_without_stripe_and_reaches_the_cached_entitlements(
        plans, tenant_a, django_capture_on_commit_callbacks):
    assert tenant_entitlements_cached(tenant=tenant_a).plan_code == "free"

    with django_capture_on_commit_callbacks(execute=True):
        subscription_grant(tenant=tenant_a, plan=plans["pro"])

    subscription = Subscription.objects.get(tenant=tenant_a)
    assert (subscription.plan.code, subscription.status, subscription.stripe_subscription_id) == ("pro", "active", "")
    assert tenant_entitlements_cached(tenant=tenant_a).plan_code == "pro"


def test_granting_again_changes_nothing_and_a_lapsed_grant_is_made_active(plans, tenant_a):
    subscription_grant(tenant=tenant_a, plan=plans["pro"])
    Subscription.objects.filter(tenant=tenant_a).update(status=SubscriptionStatus.CANCELED)

    subscription_grant(tenant=tenant_a, plan=plans["pro"])
    subscription_grant(tenant=tenant_a, plan=plans["pro"])

    assert Subscription.objects.filter(tenant=tenant_a).count() == 1
    assert tenant_entitlements(tenant=tenant_a).plan_code == "pro"


def test_a_tenant_paying_through_stripe_keeps_its_plan(plans, tenant_a):
    Subscription.objects.create(tenant=tenant_a, plan=plans["premium"], status=SubscriptionStatus.ACTIVE,
                                stripe_customer_id="cus_1", stripe_subscription_id="sub_1")

    with pytest.raises(Conflict):
        subscription_grant(tenant=tenant_a, plan=plans["pro"])

    assert Subscription.objects.get(tenant=tenant_a).plan.code == "premium"
