import time

from billing.models import StripeEvent, Subscription
from tests.billing.conftest import event, post_event, signed_headers


def _sub_event():
    return event("customer.subscription.updated", {"id": "sub_x", "object": "subscription", "customer": "cus_x",
                                                     "status": "active", "items": {"data": []}})


def test_a_forged_signature_is_400_and_changes_nothing(client, stripe_server, tenant_a):
    response = post_event(client, _sub_event(), secret="whsec_attacker")

    assert response.status_code == 400
    assert "does not verify" in response.json()["error"]["message"]
    assert not StripeEvent.objects.exists() and not Subscription.objects.exists()


def test_a_missing_signature_is_400(client, db, stripe_server):
    response = client.post("/billing/stripe/webhook/", data=_sub_event(), content_type="application/json")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_an_expired_timestamp_is_400(client, db, stripe_server):
    response = post_event(client, _sub_event(), timestamp=int(time.time()) - 3600)

    assert response.status_code == 400
    assert "Stripe-Signature" in response.json()["error"]["fields"]
    assert not StripeEvent.objects.exists()


def test_a_malformed_body_is_400(client, db, stripe_server):
    payload = b"{not json"
    response = client.post("/billing/stripe/webhook/", data=payload, content_type="application/json",
                           headers=signed_headers(payload))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": ["Malformed JSON."]}


def test_an_unknown_event_is_acknowledged_and_ignored(client, db, stripe_server):
    response = post_event(client, event("charge.refund.updated", {"id": "re_1", "object": "refund"}))

    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored: not an event Beacon uses"


def test_get_is_not_allowed(client, db):
    assert client.get("/billing/stripe/webhook/").status_code == 405
