"""The API reads a tenant's entitlements from the cache, and a plan change billing applies reaches it at once."""

import stripe
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from billing.entitlements import tenant_entitlements_cached
from billing.models import Plan, Subscription
from tests.billing.conftest import event, post_event, stripe_customer_with_card


def test_cached_entitlements_are_read_without_a_query(tenant_a):
    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status="active")
    first = tenant_entitlements_cached(tenant=tenant_a)

    with CaptureQueriesContext(connection) as queries:
        again = tenant_entitlements_cached(tenant=tenant_a)

    assert first == again and again.plan_code == "pro"
    assert not queries.captured_queries


def test_an_upgrade_applied_by_a_webhook_reaches_the_api_at_once(client, stripe_server, alice, tenant_a,
                                                                django_capture_on_commit_callbacks):
    customer = stripe_customer_with_card(tenant=tenant_a)
    remote = stripe.Subscription.create(customer=customer, items=[{"plan": "price_pro_monthly"}],
                                        metadata={"tenant_id": str(tenant_a.pk)}).to_dict()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event("customer.subscription.created", remote))
    _, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me/", headers=headers)["X-RateLimit-Limit"] == "60"  # Pro's, now cached

    item = remote["items"]["data"][0]["id"]
    premium = stripe.Subscription.modify(remote["id"], items=[{"id": item, "plan": "price_premium_monthly"}]).to_dict()
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event("customer.subscription.updated", premium))

    assert client.get("/api/v1/me/", headers=headers)["X-RateLimit-Limit"] == "600"  # Premium's
