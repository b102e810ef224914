"""Stripe for real: a local Stripe-compatible server (localstripe) on loopback, and webhooks
signed exactly as Stripe signs them (`Stripe-Signature: t=<ts>,v1=<hmac_sha256(secret, "t.payload")>`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from tests.servers import free_port, port_wait

WEBHOOK_SECRET = "whsec_test_beacon"
CATALOGUE_PRICES = {"price_pro_monthly": 4900, "price_pro_yearly": 49000, "price_premium_monthly": 14900,
                    "price_premium_yearly": 149000}


@pytest.fixture(scope="session")
def localstripe_url():
    port = free_port()
    binary = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen([str(binary), "--port", str(port), "--from-scratch"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    port_wait(port, seconds=20, what="localstripe")
    url = f"http://127.0.0.1:{port}"
    stripe.api_key, stripe.api_base = "sk_test_beacon", url
    product = stripe.Product.create(name="Beacon", type="service")
    for price_id, amount in CATALOGUE_PRICES.items():
        # localstripe predates Prices; its Plans carry the same ids the catalogue's prices use.
        stripe.Plan.create(id=price_id, product=product.id, amount=amount, currency="usd",
                           interval="year" if price_id.endswith("yearly") else "month")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_server(localstripe_url, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_beacon"
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    # The test itself talks to the server through the module too; an earlier test may have pointed it elsewhere.
    stripe.api_key, stripe.api_base = "sk_test_beacon", localstripe_url
    return localstripe_url


def stripe_customer_with_card(*, tenant) -> str:
    token = stripe.Token.create(card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"})
    return stripe.Customer.create(name=tenant.name, metadata={"tenant_id": str(tenant.pk)}, source=token.id).id


def signed_headers(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}"}


_event_counter = iter(range(1, 10**9))


def event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> bytes:
    """A Stripe event envelope around `obj`, as Stripe sends it."""
    return json.dumps({
        "id": event_id or f"evt_test_{next(_event_counter)}", "object": "event", "type": kind,
        "created": created if created is not None else int(time.time()), "api_version": "2024-06-20",
        "livemode": False, "pending_webhooks": 1, "data": {"object": obj},
    }).encode()


def post_event(client, payload: bytes, **header_kwargs):
    return client.post("/billing/stripe/webhook/", data=payload, content_type="application/json",
                       headers=signed_headers(payload, **header_kwargs))
