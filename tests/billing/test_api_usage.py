"""API calls are counted in the cache, not with a write per request, and the usage still shows the exact count."""

from datetime import UTC, datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from billing.models import Plan, Subscription, UsageCounter
from billing.tasks import usage_flush
from billing.usage import usage_on


def _keyed(tenant, user, code="pro", **limits):
    Plan.objects.filter(code=code).update(**limits)
    Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code=code), status="active")
    _, plaintext = services.api_key_create(tenant=tenant, name="bot", scope="read", created_by=user)
    return {"Authorization": f"Bearer {plaintext}"}


def test_an_api_call_writes_no_usage_row(client, tenant_a, alice):
    headers = _keyed(tenant_a, alice)
    client.get("/api/v1/me/", headers=headers)  # the key and the plan are cached from here on

    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/me/", headers=headers).status_code == 200

    assert not [q for q in queries.captured_queries if "billing_" in q["sql"] or "accounts_apikey" in q["sql"]]
    assert not UsageCounter.objects.exists()


def test_the_usage_page_shows_todays_exact_count(client, tenant_a, alice):
    headers = _keyed(tenant_a, alice)
    for _ in range(7):
        client.get("/api/v1/me/", headers=headers)
    client.force_login(alice)

    page = client.get("/billing/usage/").content.decode()

    assert "<td>API calls</td><td>7</td>" in page
    assert usage_on(tenant=tenant_a)["api_calls"] == 7


def test_the_usage_endpoint_counts_itself_and_every_call_before(client, tenant_a, alice):
    headers = _keyed(tenant_a, alice)
    for _ in range(4):
        client.get("/api/v1/me/", headers=headers)
    usage_flush()  # some calls already in the table, the rest still pending: the sum is the same

    client.get("/api/v1/me/", headers=headers)
    body = client.get("/api/v1/billing/usage/", headers=headers).json()

    assert body["usage_today"]["api_calls"] == 6
    assert UsageCounter.objects.get(tenant=tenant_a, metric="api_calls").count == 6


def test_the_beat_task_moves_pending_calls_into_the_table_once(client, tenant_a, alice, tenant_b, charlie):
    headers_a, headers_b = _keyed(tenant_a, alice), _keyed(tenant_b, charlie)
    for _ in range(3):
        client.get("/api/v1/me/", headers=headers_a)
    client.get("/api/v1/me/", headers=headers_b)

    usage_flush()
    usage_flush()

    counts = dict(UsageCounter.objects.values_list("tenant__slug", "count"))
    assert counts == {"alpha": 3, "bravo": 1}


def test_a_refused_call_is_not_counted_as_used(client, tenant_a, alice):
    headers = _keyed(tenant_a, alice, api_requests_per_minute=2, api_requests_per_day=1000)
    statuses = [client.get("/api/v1/me/", headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 429, 429]
    assert usage_on(tenant=tenant_a)["api_calls"] == 2


def test_calls_just_before_midnight_count_on_their_own_day(client, tenant_a, alice):
    headers = _keyed(tenant_a, alice)
    with time_machine.travel(datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC), tick=False):
        client.get("/api/v1/me/", headers=headers)
        client.get("/api/v1/me/", headers=headers)
    with time_machine.travel(datetime(2026, 3, 2, 0, 0, 30, tzinfo=UTC), tick=False):
        client.get("/api/v1/me/", headers=headers)
        usage_flush()

    counts = dict(UsageCounter.objects.values_list("day", "count"))
    assert {day.isoformat(): count for day, count in counts.items()} == {"2026-03-01": 2, "2026-03-02": 1}
