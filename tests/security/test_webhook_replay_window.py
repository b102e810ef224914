"""The alert webhook's replay window: the timestamp is inside the signed text, so a captured request
cannot be given a fresh timestamp, and the verifier that docs/webhooks.md gives receivers refuses a
request signed more than 300 seconds ago (the window documented there and in docs/security.md).
Stripe's webhooks to Beacon have the same 300 s window (STRIPE_WEBHOOK_TOLERANCE; tests/billing)."""

from __future__ import annotations

import re
import time

from alerts.channels.webhook import webhook_signature
from tests.alerts.test_webhook_signature import _documented_verifier

SECRET = "whsec_" + "7" * 64
BODY = b'{"id":"0b7c","type":"alert.fired","data":{}}'


def test_the_timestamp_is_signed_so_a_replay_cannot_refresh_it():
    verify = _documented_verifier()
    captured = webhook_signature(secret=SECRET, timestamp=int(time.time()) - 3600, body=BODY)
    refreshed = re.sub(r"t=\d+", f"t={int(time.time())}", captured)

    assert not verify(SECRET, captured, BODY)
    assert not verify(SECRET, refreshed, BODY)


def test_a_request_is_accepted_within_300_seconds_of_its_signature_and_refused_after():
    verify = _documented_verifier()
    now = int(time.time())

    assert verify(SECRET, webhook_signature(secret=SECRET, timestamp=now - 290, body=BODY), BODY)
    assert not verify(SECRET, webhook_signature(secret=SECRET, timestamp=now - 310, body=BODY), BODY)
    assert not verify(SECRET, webhook_signature(secret=SECRET, timestamp=now + 310, body=BODY), BODY)
