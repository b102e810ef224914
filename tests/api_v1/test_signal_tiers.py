"""A plan sees exactly the signals its tier's publications allow, masked as its plan says."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from signals.publishing import publications_release_due
from tests.api_v1.conftest import grant_api, key_headers, publish, subscribe
from tests.isolation import assert_other_tenant_gets_404


def _seqs(response):
    return [item["signal_id"] for item in response.json()["results"]]


def test_pro_sees_each_signal_at_once_with_confidence_reasoning_and_the_feed_sequence(client, pro_headers):
    signal = publish("GOOG", timeframe="D1", confidence=0.64)

    listed = client.get("/api/v1/signals/", headers=pro_headers)
    detail = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers)

    assert listed.status_code == 200
    [item] = listed.json()["results"]
    pro_seq = signal.publications.get(tier="pro").pk
    assert (item["signal_id"], item["seq"], item["confidence"], item["hidden_fields"]) == (signal.pk, pro_seq, 0.64, [])
    body = detail.json()
    assert body["seq"] == pro_seq and body["confidence"] == 0.64
    assert body["reasoning"].startswith("Uptrend") and body["contributions"] == {"trend": 0.13, "supertrend": 0.09}
    assert body["hidden_fields"] == []


def test_free_sees_a_signal_only_after_its_delay_and_without_confidence_or_reasoning(client, free_headers):
    signal = publish("GOOG", timeframe="D1", confidence=0.64)

    assert _seqs(client.get("/api/v1/signals/", headers=free_headers)) == []
    assert client.get(f"/api/v1/signals/{signal.pk}/", headers=free_headers).status_code == 404

    with time_machine.travel(signal.created_at + timedelta(seconds=3601)):
        assert publications_release_due() == 1
        listed = client.get("/api/v1/signals/", headers=free_headers)
        detail = client.get(f"/api/v1/signals/{signal.pk}/", headers=free_headers)

    [item] = listed.json()["results"]
    assert item["seq"] == signal.publications.get(tier="free").pk
    assert item["confidence"] is None and item["hidden_fields"] == ["confidence"]
    body = detail.json()
    assert (body["confidence"], body["reasoning"], body["contributions"]) == (None, None, None)
    assert body["hidden_fields"] == ["confidence", "reasoning", "contributions"]
    assert body["entry"] == signal.entry and body["targets"] == [signal.target_1, signal.target_2, signal.target_3]


def test_a_free_publication_due_but_not_released_yet_stays_hidden(client, free_headers):
    signal = publish("GOOG", timeframe="D1")

    with time_machine.travel(signal.created_at + timedelta(seconds=3601)):  # due, the release has not run
        response = client.get("/api/v1/signals/", headers=free_headers)

    assert _seqs(response) == []


def test_a_signal_of_a_timeframe_the_plan_does_not_cover_is_404(client, pro_headers, premium_headers):
    m15 = publish("EURUSD", timeframe="M15")  # Premium's timeframe only

    assert client.get(f"/api/v1/signals/{m15.pk}/", headers=premium_headers).status_code == 200
    assert_other_tenant_gets_404(client, url=f"/api/v1/signals/{m15.pk}/", headers=pro_headers, methods=("get",))
    assert _seqs(client.get("/api/v1/signals/", headers=pro_headers)) == []


def test_a_signal_of_an_instrument_outside_free_is_404_to_free(client, free_headers):
    aapl = publish("AAPL", timeframe="D1")  # Free's universe is GOOG, EURUSD and BTCUSD

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        publications_release_due()
        assert_other_tenant_gets_404(client, url=f"/api/v1/signals/{aapl.pk}/", headers=free_headers,
                                     methods=("get",))


def test_a_plan_that_stops_covering_an_instrument_no_longer_shows_its_signals(client, pro_headers):
    from billing.models import Plan

    signal = publish("AAPL", timeframe="D1")
    Plan.objects.filter(code="pro").update(instruments=["GOOG"])

    assert client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).status_code == 404
    assert _seqs(client.get("/api/v1/signals/", headers=pro_headers)) == []


def test_each_tier_gets_its_own_sequence_for_the_same_signal(client, pro_headers, premium_headers):
    signal = publish("GOOG", timeframe="D1")

    pro = client.get("/api/v1/signals/", headers=pro_headers).json()["results"][0]["seq"]
    premium = client.get("/api/v1/signals/", headers=premium_headers).json()["results"][0]["seq"]

    assert pro == signal.publications.get(tier="pro").pk
    assert premium == signal.publications.get(tier="premium").pk != pro


def test_the_shipped_free_plan_has_no_api_access(client, catalogue, tenant_b, charlie):
    response = client.get("/api/v1/signals/", headers=key_headers(tenant_b, charlie))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_entitled"


def test_a_plan_that_shows_confidence_but_hides_reasoning_masks_only_reasoning(client, pro_headers, tenant_a):
    from billing.models import Plan

    Plan.objects.filter(code="pro").update(shows_reasoning=False)
    signal = publish("GOOG", timeframe="D1", confidence=0.7)

    body = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).json()

    assert body["confidence"] == 0.7 and body["reasoning"] is None and body["contributions"] is None
    assert body["hidden_fields"] == ["reasoning", "contributions"]


def test_an_upgrade_shows_the_new_tiers_signals_at_once(client, catalogue, tenant_b, charlie):
    grant_api("free")
    headers = key_headers(tenant_b, charlie)
    signal = publish("GOOG", timeframe="D1")
    assert _seqs(client.get("/api/v1/signals/", headers=headers)) == []

    subscribe(tenant_b, "pro")

    assert _seqs(client.get("/api/v1/signals/", headers=headers)) == [signal.pk]
