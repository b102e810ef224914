"""Web push against a local push service on 127.0.0.1 that does what a real one checks: the VAPID
Authorization header (an ES256 JWT for its origin, signed by our public key) and a payload it can only
pass on encrypted (RFC 8291, decrypted here with the browser's keys). 404 and 410 remove the
subscription; the website stores one from the service worker's registration script."""

import base64
import json
import time

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.models import Channel, DeliveryStatus, Destination
from tests.alerts.conftest import alert_event, b64url, subscribe


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """A browser's push subscription keys: its ECDH key pair (p256dh) and auth secret."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        self.p256dh = b64url(self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                                serialization.PublicFormat.UncompressedPoint))


class PushService:
    """Checks what a push service checks, records what it found, and answers 201 (or `status`)."""

    def __init__(self, browser: Browser, origin: str, status: int = 201):
        self.browser, self.origin, self.status = browser, origin, status
        self.seen: list[dict] = []

    def __call__(self, request):
        scheme, _, params = request.headers["authorization"].partition(" ")
        fields = dict(part.split("=", 1) for part in params.split(","))
        header, claims, signature = fields["t"].split(".")
        signer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(fields["k"]))
        raw = _unb64(signature)
        try:
            signer.verify(encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
                          f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
            signed = True
        except InvalidSignature:
            signed = False
        payload = http_ece.decrypt(request.body, private_key=self.browser.key, auth_secret=self.browser.auth,
                                   version="aes128gcm")
        self.seen.append({"scheme": scheme, "k": fields["k"], "signed": signed, "claims": json.loads(_unb64(claims)),
                          "jwt_header": json.loads(_unb64(header)), "payload": json.loads(payload),
                          "encoding": request.headers["content-encoding"], "ttl": request.headers["ttl"],
                          "urgency": request.headers.get("urgency")})
        return (self.status if signed else 401), {}, b""


@pytest.fixture
def subscription(tenant_a, alice, receiver, local_receivers_allowed, vapid):
    subscribe(tenant_a, "pro")
    browser = Browser()
    destination = Destination.objects.create(
        tenant=tenant_a, member=alice, channel=Channel.PUSH, url=receiver.url + "/wpush/v2/gAAAAABm-subscription",
        push_p256dh=browser.p256dh, push_auth=b64url(browser.auth), label="Firefox")
    return destination, browser


def _push(tenant, member):
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant, member=member, channels=["push"]))
    return delivery_attempt(delivery_id=delivery.pk)


def test_a_push_is_encrypted_for_the_browser_and_signed_with_our_vapid_key(subscription, tenant_a, alice, receiver,
                                                                           vapid):
    _, browser = subscription
    service = PushService(browser, origin=receiver.url)
    receiver.replies.append(service)

    delivery = _push(tenant_a, alice)

    assert delivery.status == DeliveryStatus.SENT
    [seen] = service.seen
    assert seen["scheme"] == "vapid" and seen["signed"] and seen["k"] == vapid.VAPID_PUBLIC_KEY
    assert seen["jwt_header"]["alg"] == "ES256"
    assert seen["claims"]["aud"] == receiver.url and seen["claims"]["sub"] == "mailto:alerts@beacon.example"
    assert time.time() < seen["claims"]["exp"] <= time.time() + 24 * 3600
    assert seen["payload"]["title"] == "EURUSD short on H1"
    assert seen["payload"]["url"].endswith("/alerts/notifications/")
    assert seen["encoding"] == "aes128gcm" and seen["ttl"] == "86400" and seen["urgency"] == "high"
    assert b"EURUSD" not in receiver.received[0].body  # only the browser can read it
    assert "/wpush" not in delivery.log.get().request  # the subscription's path is its secret


@pytest.mark.parametrize("status", [404, 410])
def test_an_expired_subscription_is_removed(subscription, tenant_a, alice, receiver, status):
    destination, browser = subscription
    receiver.replies.append(PushService(browser, origin=receiver.url, status=status))

    delivery = _push(tenant_a, alice)

    assert delivery.status == DeliveryStatus.FAILED and f"HTTP {status}" in delivery.last_error
    assert not Destination.objects.filter(pk=destination.pk).exists()
    assert delivery.log.count() == 1


def test_a_busy_push_service_is_retried_and_the_subscription_kept(subscription, tenant_a, alice, receiver):
    destination, browser = subscription
    receiver.replies.append(PushService(browser, origin=receiver.url, status=503))

    delivery = _push(tenant_a, alice)

    assert delivery.status == DeliveryStatus.RETRYING
    assert Destination.objects.filter(pk=destination.pk).exists()


def test_without_vapid_keys_a_push_fails_at_once_and_says_why(subscription, tenant_a, alice, receiver, settings):
    settings.VAPID_PRIVATE_KEY = ""

    delivery = _push(tenant_a, alice)

    assert delivery.status == DeliveryStatus.FAILED and "VAPID" in delivery.last_error
    assert receiver.received == []


# --- the subscription from the website's registration script ------------------------------------

def _subscription_json(endpoint="https://updates.push.services.mozilla.com/wpush/v2/gAAAAABm1"):
    browser = Browser()
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": browser.p256dh,
                                                                   "auth": b64url(browser.auth)}}


def test_the_page_stores_this_browsers_subscription_once(alice_client, tenant_a, alice):
    subscribe(tenant_a, "pro")
    body = _subscription_json()

    first = alice_client.post("/alerts/channels/push/subscribe/", body, content_type="application/json")
    again = alice_client.post("/alerts/channels/push/subscribe/", body, content_type="application/json")

    assert first.status_code == again.status_code == 201
    stored = Destination.objects.get(channel=Channel.PUSH)
    assert (stored.member, stored.url, stored.push_p256dh) == (alice, body["endpoint"], body["keys"]["p256dh"])

    gone = alice_client.post("/alerts/channels/push/unsubscribe/", {"endpoint": body["endpoint"]},
                             content_type="application/json")
    assert gone.json() == {"removed": 1} and not Destination.objects.exists()


@pytest.mark.parametrize(("body", "status"), [
    ({"endpoint": "https://push.example.com/x", "keys": {"p256dh": "short", "auth": "x"}}, 400),
    ({"endpoint": "https://10.0.0.1/x", **{k: v for k, v in _subscription_json().items() if k == "keys"}}, 400),
    ({"endpoint": "https://push.example.com/x"}, 400),
    ("not json", 400),
])
def test_a_bad_subscription_is_refused_and_nothing_stored(alice_client, tenant_a, body, status):
    subscribe(tenant_a, "pro")

    response = alice_client.post("/alerts/channels/push/subscribe/",
                                 body if isinstance(body, dict) else body.encode(), content_type="application/json")

    assert response.status_code == status and "error" in response.json()
    assert not Destination.objects.exists()


def test_a_plan_without_web_push_cannot_store_a_subscription(alice_client, tenant_a):
    response = alice_client.post("/alerts/channels/push/subscribe/", _subscription_json(),
                                 content_type="application/json")

    assert response.status_code == 403 and not Destination.objects.exists()
