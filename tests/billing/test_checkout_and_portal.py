"""Checkout and the Portal. localstripe lacks both endpoints, so these calls are answered by
recorded Stripe responses through stripe-python's own HTTP client (only its transport replaced);
the customer they need is created in localstripe."""

import pytest
import stripe
from stripe._http_client import RequestsClient

from billing.models import Subscription
from tests.market.recorded_http import RecordedTransport, session_with

RECORDED = {"/v1/checkout/sessions": "checkout_session_create.json",
            "/v1/billing_portal/sessions": "billing_portal_session_create.json"}


@pytest.fixture
def recorded_stripe(stripe_server, monkeypatch, settings):
    """Checkout and Portal from recorded responses, everything else to localstripe."""
    from pathlib import Path

    import requests

    folder = Path(__file__).parent / "recorded"
    passthrough = requests.adapters.HTTPAdapter()

    class Router(RecordedTransport):
        def send(self, request, **kwargs):
            path = request.path_url.split("?")[0]
            if path in RECORDED:
                self.calls.append((path, request.body))
                return self._response(request, 200, (folder / RECORDED[path]).read_bytes())
            return passthrough.send(request, **kwargs)

    router = Router([])
    monkeypatch.setattr(stripe, "default_http_client", RequestsClient(session=session_with(router)))
    return router


def test_upgrading_sends_the_owner_to_stripe_checkout_with_the_plans_price_and_trial(alice_client, tenant_a,
                                                                                   recorded_stripe):
    response = alice_client.post("/billing/checkout/pro/", {"interval": "month"})

    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    from urllib.parse import parse_qs

    body = {k: v[0] for k, v in parse_qs(dict(recorded_stripe.calls)["/v1/checkout/sessions"]).items()}
    assert body["mode"] == "subscription" and body["line_items[0][price]"] == "price_pro_monthly"
    assert body["subscription_data[trial_period_days]"] == "14"
    customer = Subscription.objects.get(tenant=tenant_a).stripe_customer_id
    assert customer.startswith("cus_") and body["customer"] == customer
    assert stripe.Customer.retrieve(customer).metadata["tenant_id"] == str(tenant_a.pk)


def test_the_stripe_customer_is_created_once(alice_client, tenant_a, recorded_stripe):
    alice_client.post("/billing/checkout/pro/", {"interval": "month"})
    first = Subscription.objects.get(tenant=tenant_a).stripe_customer_id
    alice_client.post("/billing/checkout/premium/", {"interval": "year"})

    assert Subscription.objects.get(tenant=tenant_a).stripe_customer_id == first


def test_an_unknown_interval_is_refused_with_a_message(alice_client, recorded_stripe):
    response = alice_client.post("/billing/checkout/pro/", {"interval": "weekly"}, follow=True)

    assert "cannot be bought that way" in response.content.decode()
    assert "/v1/checkout/sessions" not in dict(recorded_stripe.calls)


def test_manage_opens_the_customer_portal(alice_client, tenant_a, recorded_stripe):
    alice_client.post("/billing/checkout/pro/", {"interval": "month"})

    response = alice_client.post("/billing/portal/")

    assert response["Location"].startswith("https://billing.stripe.com/p/session/")


def test_bob_a_member_cannot_start_checkout_or_the_portal(client, bob, recorded_stripe):
    client.force_login(bob)

    assert client.post("/billing/checkout/pro/", {"interval": "month"}).status_code == 403
    assert client.post("/billing/portal/").status_code == 403
    assert not recorded_stripe.calls


def test_without_stripe_keys_the_page_says_payments_are_not_configured(alice_client, settings, db):
    settings.STRIPE_SECRET_KEY = ""

    response = alice_client.post("/billing/checkout/pro/", {"interval": "month"}, follow=True)

    assert "Payments are not configured" in response.content.decode()


def test_a_tenant_with_a_live_subscription_is_sent_to_manage_not_a_second_checkout(alice_client, tenant_a,
                                                                                   recorded_stripe):
    from billing.models import Plan

    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status="active",
                                stripe_customer_id="cus_1", stripe_subscription_id="sub_1")

    response = alice_client.post("/billing/checkout/premium/", {"interval": "month"}, follow=True)

    assert "change the plan under Manage" in response.content.decode()
    assert "/v1/checkout/sessions" not in dict(recorded_stripe.calls)
