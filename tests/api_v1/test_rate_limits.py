"""Rate limits on the new endpoints: the plan's per key, the public one per client address."""

import pytest

from billing.models import Plan
from tests.api_v1.conftest import publish

KEYED = ["/api/v1/signals/", "/api/v1/signals/{id}/", "/api/v1/instruments/",
         "/api/v1/instruments/GOOG/bars/?timeframe=D1", "/api/v1/track-record/", "/api/v1/screener/",
         "/api/v1/me/", "/api/v1/billing/usage/"]
PUBLIC = ["/api/v1/track-record/summary/", "/api/v1/ledger/", "/api/v1/ledger/verify/"]


@pytest.mark.parametrize("url", KEYED)
def test_keyed_endpoints_carry_the_plans_headers_and_answer_429_over_the_limit(client, pro_headers, url):
    Plan.objects.filter(code="pro").update(api_requests_per_minute=2, api_requests_per_day=1000)
    url = url.format(id=publish("GOOG", timeframe="D1").pk)

    first = client.get(url, headers=pro_headers)
    client.get(url, headers=pro_headers)
    over = client.get(url, headers=pro_headers)

    assert first.status_code == 200
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
    assert int(first["X-RateLimit-Reset"]) > 0
    assert over.status_code == 429 and 1 <= int(over["Retry-After"]) <= 60
    assert over["X-RateLimit-Remaining"] == "0" and over.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("url", PUBLIC)
def test_public_endpoints_are_limited_per_address_with_the_same_headers(client, catalogue, settings, url):
    settings.API_PUBLIC_REQUESTS_PER_MINUTE = 2

    first = client.get(url, REMOTE_ADDR="198.51.100.7")
    client.get(url, REMOTE_ADDR="198.51.100.7")
    over = client.get(url, REMOTE_ADDR="198.51.100.7")
    elsewhere = client.get(url, REMOTE_ADDR="203.0.113.9")

    assert first.status_code == 200 and (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("2", "1")
    assert over.status_code == 429 and 1 <= int(over["Retry-After"]) <= 60
    assert over.json()["error"]["code"] == "rate_limited" and over["X-RateLimit-Remaining"] == "0"
    assert elsewhere.status_code == 200


def test_a_key_on_a_public_endpoint_is_neither_needed_nor_metered(client, pro_headers):
    from billing.models import UsageCounter

    assert client.get("/api/v1/ledger/", headers=pro_headers).status_code == 200
    assert not UsageCounter.objects.exists()
