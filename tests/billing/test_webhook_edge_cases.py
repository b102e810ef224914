import stripe

from billing.models import StripeEvent, Subscription
from billing.sync import invoice_subscription_id
from tests.billing.conftest import event, post_event, stripe_customer_with_card


def _subscribe(tenant, price):
    customer = stripe_customer_with_card(tenant=tenant)
    return stripe.Subscription.create(customer=customer, items=[{"plan": price}],
                                      metadata={"tenant_id": str(tenant.pk)}).to_dict()


def test_the_newer_invoice_shape_names_its_subscription_too():
    assert invoice_subscription_id({"subscription": "sub_1"}) == "sub_1"
    assert invoice_subscription_id({"parent": {"subscription_details": {"subscription": "sub_2"}}}) == "sub_2"
    assert invoice_subscription_id({"parent": None}) is None


def test_a_payment_failure_in_the_newer_invoice_shape_makes_the_tenant_past_due(client, stripe_server, tenant_a):
    remote = _subscribe(tenant_a, "price_pro_monthly")
    post_event(client, event("customer.subscription.created", remote))
    invoice = {"id": "in_new", "object": "invoice", "customer": remote["customer"],
               "parent": {"type": "subscription_details", "subscription_details": {"subscription": remote["id"]}}}

    post_event(client, event("invoice.payment_failed", invoice))

    assert Subscription.objects.get(tenant=tenant_a).status == "past_due"


def test_stripe_unreachable_mid_webhook_is_503_and_nothing_is_stored(client, stripe_server, tenant_a, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    checkout = {"id": "cs_1", "object": "checkout.session", "client_reference_id": str(tenant_a.pk),
                "customer": "cus_x", "subscription": "sub_x"}

    response = post_event(client, event("checkout.session.completed", checkout, event_id="evt_retry_me"))

    assert response.status_code == 503
    assert not StripeEvent.objects.filter(event_id="evt_retry_me").exists()  # Stripe's retry will process it
