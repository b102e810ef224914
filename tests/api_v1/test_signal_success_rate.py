"""A signal's record of similar setups: its hit rate is published only from SUCCESS_RATE_MIN_SAMPLE earlier
outcomes (the website's floor too); below it the rate is null and the sample size is still given."""

from signals.engine.track_record import SUCCESS_RATE_MIN_SAMPLE
from tests.api_v1.conftest import publish_after_closed


def test_a_record_below_the_floor_has_a_null_rate_beside_its_sample_size(client, pro_headers):
    signal = publish_after_closed(SUCCESS_RATE_MIN_SAMPLE - 1)

    body = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).json()

    assert signal.success_rate == 1.0  # stored as recorded; only what is published is held back
    assert (body["success_rate"], body["success_sample_size"]) == (None, SUCCESS_RATE_MIN_SAMPLE - 1)
    assert "success_rate" not in body["hidden_fields"]  # not hidden by the plan: not enough outcomes


def test_a_record_at_the_floor_gives_its_rate(client, pro_headers):
    signal = publish_after_closed(SUCCESS_RATE_MIN_SAMPLE)

    body = client.get(f"/api/v1/signals/{signal.pk}/", headers=pro_headers).json()

    assert (body["success_rate"], body["success_sample_size"]) == (1.0, SUCCESS_RATE_MIN_SAMPLE)


def test_the_schema_says_why_the_rate_may_be_null(client):
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()

    field = schema["components"]["schemas"]["SignalDetail"]["properties"]["success_rate"]
    assert field["nullable"] is True
    assert f"Null while fewer than {SUCCESS_RATE_MIN_SAMPLE}" in field["description"]
