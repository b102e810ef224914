import pytest

from accounts import services
from billing.entitlements import entitlements_forget
from billing.models import Plan, Subscription, UsageCounter
from billing.usage import usage_flush_all


@pytest.fixture
def key_headers(alice, tenant_a):
    _, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    return {"Authorization": f"Bearer {plaintext}"}


def _on(tenant, code, **limits):
    Plan.objects.filter(code=code).update(**limits)
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=code),
                                                                   "status": "active"})


def test_a_plan_without_api_access_gets_403_with_an_upgrade_link(client, key_headers):
    response = client.get("/api/v1/me/", headers=key_headers)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "not_entitled" and error["upgrade_url"].endswith("/pricing/")


def test_a_call_refused_for_want_of_api_access_is_not_counted(client, key_headers, tenant_a):
    assert client.get("/api/v1/me/", headers=key_headers).status_code == 403  # Free: no API
    _on(tenant_a, "pro", api_requests_per_minute=10, api_requests_per_day=1000)
    entitlements_forget(tenant_id=tenant_a.pk)  # as billing does when a subscription changes

    response = client.get("/api/v1/me/", headers=key_headers)

    assert response["X-RateLimit-Remaining"] == "9"  # the refused call took nothing from the minute or the day
    usage_flush_all()
    assert UsageCounter.objects.get(tenant=tenant_a, metric="api_calls").count == 1


def test_every_api_response_carries_the_rate_limit_headers(client, key_headers, tenant_a):
    _on(tenant_a, "pro", api_requests_per_minute=10, api_requests_per_day=1000)

    response = client.get("/api/v1/me/", headers=key_headers)

    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "10"
    assert response["X-RateLimit-Remaining"] == "9"
    assert int(response["X-RateLimit-Reset"]) > 0


def test_over_the_minute_limit_is_429_with_retry_after_and_the_limit(client, key_headers, tenant_a):
    _on(tenant_a, "pro", api_requests_per_minute=3, api_requests_per_day=1000)
    for _ in range(3):
        assert client.get("/api/v1/me/", headers=key_headers).status_code == 200

    response = client.get("/api/v1/me/", headers=key_headers)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Remaining"] == "0"
    assert response.json()["error"]["message"] == "Your Pro plan allows 3 API requests per minute."


def test_the_daily_limit_applies_across_minutes(client, key_headers, tenant_a):
    _on(tenant_a, "pro", api_requests_per_minute=100, api_requests_per_day=2)
    client.get("/api/v1/me/", headers=key_headers)
    client.get("/api/v1/me/", headers=key_headers)

    response = client.get("/api/v1/me/", headers=key_headers)

    assert response.status_code == 429
    assert response.json()["error"]["window"] == "day"


def test_api_calls_are_counted_per_day_and_shown_by_the_usage_endpoint(client, key_headers, tenant_a):
    _on(tenant_a, "premium")
    client.get("/api/v1/me/", headers=key_headers)

    body = client.get("/api/v1/billing/usage/", headers=key_headers).json()

    assert body["plan"] == "premium"
    assert body["usage_today"]["api_calls"] == 2
    assert body["limits"]["api_requests_per_minute"] == 600
    assert UsageCounter.objects.get(tenant=tenant_a, metric="api_calls").count == 2


def test_one_tenants_calls_do_not_use_anothers_limit(client, key_headers, tenant_a, tenant_b, charlie):
    _on(tenant_a, "pro", api_requests_per_minute=1, api_requests_per_day=1000)
    _on(tenant_b, "pro", api_requests_per_minute=1, api_requests_per_day=1000)
    _, other = services.api_key_create(tenant=tenant_b, name="b", scope="read", created_by=charlie)
    client.get("/api/v1/me/", headers=key_headers)

    response = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {other}"})

    assert response.status_code == 200


def test_an_error_after_the_request_was_metered_still_carries_the_headers(client, key_headers, tenant_a):
    _on(tenant_a, "pro", api_requests_per_minute=10, api_requests_per_day=1000)
    client.get("/api/v1/me/", headers=key_headers)

    response = client.post("/api/v1/me/", {}, content_type="application/json", headers=key_headers)

    assert response.status_code == 405
    assert response["X-RateLimit-Limit"] == "10"
    assert response["X-RateLimit-Remaining"] == "8"
    usage_flush_all()  # the billing-usage-flush Beat task moves the calls counted in the cache to the table
    assert UsageCounter.objects.get(tenant=tenant_a, metric="api_calls").count == 2


def test_the_websites_own_calls_are_not_metered(alice_client, tenant_a):
    response = alice_client.get("/api/v1/me/")

    assert response.status_code == 200  # even on Free, which has no API access
    assert "X-RateLimit-Limit" not in response
    assert not UsageCounter.objects.filter(tenant=tenant_a).exists()
