"""Free -> Pro -> Premium -> past due -> (grace ends) Free, driven by signed webhooks and localstripe."""

from datetime import timedelta

import stripe
from django.core import mail
from django.utils import timezone

from billing.entitlements import tenant_entitlements
from billing.models import StripeEvent, Subscription
from billing.sync import downgrades_notify
from tests.billing.conftest import event, post_event, stripe_customer_with_card


def _subscribe(tenant, price):
    customer = stripe_customer_with_card(tenant=tenant)
    return stripe.Subscription.create(customer=customer, items=[{"plan": price}],
                                      metadata={"tenant_id": str(tenant.pk)}).to_dict()


def test_the_whole_journey_keeps_state_and_limits_right_at_every_step(client, stripe_server, alice, tenant_a,
                                                                     django_capture_on_commit_callbacks):
    assert tenant_entitlements(tenant=tenant_a).plan_code == "free"

    # Free -> Pro: Checkout completes.
    remote = _subscribe(tenant_a, "price_pro_monthly")
    checkout = {"id": "cs_test_1", "object": "checkout.session", "mode": "subscription",
                "client_reference_id": str(tenant_a.pk), "customer": remote["customer"],
                "subscription": remote["id"]}
    assert post_event(client, event("checkout.session.completed", checkout)).status_code == 200
    pro = tenant_entitlements(tenant=tenant_a)
    assert (pro.plan_code, pro.seats, pro.api_requests_per_minute) == ("pro", 3, 60)

    # Pro -> Premium: the subscription is updated in Stripe (as the Portal does).
    item = remote["items"]["data"][0]["id"]
    premium = stripe.Subscription.modify(remote["id"], items=[{"id": item, "plan": "price_premium_monthly"}]).to_dict()
    post_event(client, event("customer.subscription.updated", premium))
    assert tenant_entitlements(tenant=tenant_a).plan_code == "premium"
    assert "webhook" in tenant_entitlements(tenant=tenant_a).alert_channels

    # Premium -> past due: a payment fails; the plan stays during the grace period; owners are told once.
    invoice = {"id": "in_test_1", "object": "invoice", "customer": remote["customer"], "subscription": remote["id"]}
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, event("invoice.payment_failed", invoice))
        post_event(client, event("invoice.payment_failed", invoice))
    subscription = Subscription.objects.get(tenant=tenant_a)
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert tenant_entitlements(tenant=tenant_a).plan_code == "premium"
    assert [m.subject for m in mail.outbox] == ["Your Beacon payment failed"]
    client.force_login(alice)
    assert "Your last payment failed" in client.get("/app/").content.decode()

    # Grace ends -> Free, nothing deleted, owners told once.
    later = timezone.now() + timedelta(days=8)
    assert tenant_entitlements(tenant=tenant_a, now=later).plan_code == "free"
    assert downgrades_notify(now=later) == 1 and downgrades_notify(now=later) == 0
    assert mail.outbox[-1].subject == "Your Beacon plan is now Free"

    # Paying again clears it.
    post_event(client, event("invoice.paid", invoice))
    paid = Subscription.objects.get(tenant=tenant_a)
    assert (paid.status, paid.past_due_since) == ("active", None)


def test_a_cancelled_subscription_falls_to_free(client, stripe_server, tenant_a):
    remote = _subscribe(tenant_a, "price_pro_monthly")
    post_event(client, event("customer.subscription.created", remote))
    assert tenant_entitlements(tenant=tenant_a).plan_code == "pro"

    post_event(client, event("customer.subscription.deleted", stripe.Subscription.cancel(remote["id"]).to_dict()))

    assert Subscription.objects.get(tenant=tenant_a).status == "canceled"
    assert tenant_entitlements(tenant=tenant_a).plan_code == "free"


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(client, stripe_server, tenant_a):
    remote = _subscribe(tenant_a, "price_premium_monthly")
    older = dict(remote, items={"data": [{"id": "si_old", "plan": {"id": "price_pro_monthly"}}]})
    now = int(timezone.now().timestamp())

    post_event(client, event("customer.subscription.updated", remote, created=now))
    response = post_event(client, event("customer.subscription.updated", older, created=now - 60))

    assert response.json()["outcome"].startswith("ignored: older")
    assert tenant_entitlements(tenant=tenant_a).plan_code == "premium"


def test_a_replayed_event_is_processed_once(client, stripe_server, tenant_a):
    remote = _subscribe(tenant_a, "price_pro_monthly")
    payload = event("customer.subscription.created", remote, event_id="evt_replayed")

    first = post_event(client, payload)
    second = post_event(client, payload)

    assert first.status_code == second.status_code == 200
    assert second.json()["outcome"] == "duplicate: already received"
    assert StripeEvent.objects.filter(event_id="evt_replayed").count() == 1


def test_two_events_of_the_same_second_in_either_order_leave_stripes_current_state(client, stripe_server, tenant_a):
    remote = _subscribe(tenant_a, "price_pro_monthly")
    item = remote["items"]["data"][0]["id"]
    newer = stripe.Subscription.modify(remote["id"], items=[{"id": item, "plan": "price_premium_monthly"}]).to_dict()
    second = int(timezone.now().timestamp())

    # The newer state arrives first, then the older one stamped with the same second.
    post_event(client, event("customer.subscription.updated", newer, created=second))
    response = post_event(client, event("customer.subscription.updated", remote, created=second))

    assert response.status_code == 200
    assert tenant_entitlements(tenant=tenant_a).plan_code == "premium"  # re-read from Stripe, not the stale payload
