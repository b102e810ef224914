"""Each webhook request is signed (X-Beacon-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 of "t.body">)
with the endpoint's own secret, and carries the delivery's idempotency key; the verifier that
docs/webhooks.md shows accepts a real delivery and refuses a changed one."""

import hashlib
import hmac
import re
import time
from pathlib import Path

import pytest

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.models import Channel
from tests.alerts.conftest import alert_event, destination

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


@pytest.fixture
def delivered(premium_a, alice, receiver, local_receivers_allowed):
    """An alert delivered to a real receiver: (endpoint, delivery, event, the request received)."""
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/beacon")
    event = alert_event(tenant=premium_a, member=alice, channels=["webhook"])
    [delivery] = deliveries_create_for_event(event=event)
    delivery_attempt(delivery_id=delivery.pk)
    [request] = receiver.received
    return endpoint, delivery, event, request


def _documented_verifier():
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.DOTALL)[1]
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # the snippet a receiver copies, as written
    return namespace["verify"]


def test_the_signature_is_an_hmac_of_timestamp_and_body_with_the_endpoints_secret(delivered):
    endpoint, _, _, request = delivered

    match = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", request.headers["x-beacon-signature"])

    timestamp, signature = match[1], match[2]
    assert abs(time.time() - int(timestamp)) < 60
    expected = hmac.new(endpoint.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    assert signature == expected.hexdigest()


def test_the_body_is_the_alert_as_json_with_the_idempotency_key_as_its_id(delivered):
    _, delivery, event, request = delivered

    body = request.json()

    assert request.method == "POST" and request.path == "/beacon"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == body["id"] == str(delivery.idempotency_key)
    assert request.headers["x-beacon-event"] == body["type"] == "alert.fired"
    assert body["data"]["event_id"] == event.pk and body["data"]["title"] == "EURUSD short on H1"
    assert body["data"]["payload"]["signal"]["stop_loss"] == "1.08710"


def test_the_documented_verifier_accepts_a_real_delivery_and_refuses_a_changed_one(delivered):
    endpoint, _, _, request = delivered
    verify = _documented_verifier()
    header = request.headers["x-beacon-signature"]

    assert verify(endpoint.secret, header, request.body)
    assert not verify(endpoint.secret, header, request.body.replace(b"short", b"long"))
    assert not verify("whsec_" + "0" * 64, header, request.body)
    old = re.sub(r"t=\d+", f"t={int(time.time()) - 3600}", header)
    assert not verify(endpoint.secret, old, request.body)


def test_two_endpoints_sign_with_their_own_secrets(premium_a, alice, receiver, local_receivers_allowed):
    first = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/one",
                        secret="whsec_" + "1" * 64)
    second = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/two",
                         secret="whsec_" + "2" * 64)
    for delivery in deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice,
                                                                  channels=["webhook"])):
        delivery_attempt(delivery_id=delivery.pk)
    verify = _documented_verifier()

    by_path = {r.path: r for r in receiver.received}
    assert verify(first.secret, by_path["/one"].headers["x-beacon-signature"], by_path["/one"].body)
    assert verify(second.secret, by_path["/two"].headers["x-beacon-signature"], by_path["/two"].body)
    assert not verify(first.secret, by_path["/two"].headers["x-beacon-signature"], by_path["/two"].body)
    assert by_path["/one"].headers["idempotency-key"] != by_path["/two"].headers["idempotency-key"]
