"""The signal list's pages come from the cache (signals.list_cache) without ever showing a plan a page that
is out of date, another plan's page or a signal its tier cannot see yet; a cached page is still metered."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.entitlements import entitlements_forget
from billing.models import Plan
from signals.list_cache import signal_list_changed, signal_list_version
from signals.publishing import publications_release_due
from tests.api_v1.conftest import close, publish, subscribe

LIST = "/api/v1/signals/"


def _signal_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["signal_id"] for item in response.json()["results"]]


def test_a_page_asked_again_is_served_from_the_cache_without_a_query(client, pro_headers):
    signal = publish("GOOG", timeframe="D1")
    first = client.get(LIST, headers=pro_headers)

    with CaptureQueriesContext(connection) as queries:
        again = client.get(LIST, headers=pro_headers)

    assert queries.captured_queries == []
    assert again.content == first.content and _signal_ids(again) == [signal.pk]
    assert again["Content-Type"] == "application/json"


def test_a_signal_published_after_a_page_was_cached_is_on_the_next_request(client, pro_headers):
    older = publish("GOOG", timeframe="D1")
    assert _signal_ids(client.get(LIST, headers=pro_headers)) == [older.pk]

    newer = publish("EURUSD", timeframe="H1")

    assert _signal_ids(client.get(LIST, headers=pro_headers)) == [newer.pk, older.pk]


def test_an_outcome_recorded_after_a_page_was_cached_is_on_the_next_request(client, pro_headers):
    signal = publish("GOOG", timeframe="D1")
    assert client.get(LIST, headers=pro_headers).json()["results"][0]["status"] == "open"

    close(signal, r_multiple=1.0)

    [item] = client.get(LIST, headers=pro_headers).json()["results"]
    assert (item["status"], item["result"], item["r_multiple"]) == ("closed", "target_1", 1.0)
    assert _signal_ids(client.get(LIST + "?status=closed", headers=pro_headers)) == [signal.pk]


def test_free_never_gets_an_unreleased_signal_from_a_page_cached_before_or_after_it(client, free_headers,
                                                                                   pro_headers):
    released = publish("GOOG", timeframe="D1")
    with time_machine.travel(released.created_at + timedelta(seconds=3601)):
        publications_release_due()
    assert _signal_ids(client.get(LIST, headers=free_headers)) == [released.pk]

    unreleased = publish("BTCUSD", timeframe="D1")  # Pro sees it at once; Free after its hour

    assert _signal_ids(client.get(LIST, headers=pro_headers))[0] == unreleased.pk
    assert _signal_ids(client.get(LIST, headers=free_headers)) == [released.pk]
    with time_machine.travel(unreleased.created_at + timedelta(seconds=3601)):
        assert _signal_ids(client.get(LIST, headers=free_headers)) == [released.pk]  # due, not released yet
        publications_release_due()
        assert _signal_ids(client.get(LIST, headers=free_headers)) == [unreleased.pk, released.pk]


def test_a_page_cached_for_one_plan_is_never_served_to_another(client, pro_headers, free_headers, tenant_b):
    signal = publish("GOOG", timeframe="D1", confidence=0.64)
    with time_machine.travel(signal.created_at + timedelta(seconds=3601)):
        publications_release_due()
    pro = client.get(LIST, headers=pro_headers).json()["results"][0]

    free = client.get(LIST, headers=free_headers).json()["results"][0]
    subscribe(tenant_b, "premium")
    premium = client.get(LIST, headers=free_headers).json()["results"][0]  # the same key, now on Premium

    assert (pro["confidence"], pro["hidden_fields"], pro["seq"]) == (0.64, [], signal.publications.get(tier="pro").pk)
    assert (free["confidence"], free["hidden_fields"]) == (None, ["confidence"])
    assert free["seq"] == signal.publications.get(tier="free").pk
    assert premium["seq"] == signal.publications.get(tier="premium").pk and premium["confidence"] == 0.64


def test_a_plan_that_stops_covering_an_instrument_gets_pages_of_its_own(client, pro_headers, tenant_a):
    publish("AAPL", timeframe="D1")
    assert len(_signal_ids(client.get(LIST, headers=pro_headers))) == 1

    Plan.objects.filter(code="pro").update(instruments=["GOOG"])
    entitlements_forget(tenant_id=tenant_a.pk)  # as billing does; otherwise within a minute

    assert _signal_ids(client.get(LIST, headers=pro_headers)) == []


def test_each_host_gets_its_own_first_page_and_pages_further_on_are_read_anew(client, pro_headers):
    signals = [publish(symbol, timeframe="D1") for symbol in ("GOOG", "EURUSD", "BTCUSD")]
    first = client.get(LIST + "?limit=2", headers=pro_headers).json()
    other_host = client.get(LIST + "?limit=2", headers=pro_headers, HTTP_HOST="localhost").json()

    with CaptureQueriesContext(connection) as queries:
        second = client.get(first["next"], headers=pro_headers).json()
        client.get(first["next"], headers=pro_headers)

    assert first["next"].startswith("http://testserver/") and other_host["next"].startswith("http://localhost/")
    assert [i["signal_id"] for i in first["results"] + second["results"]] == [s.pk for s in reversed(signals)]
    assert len(queries.captured_queries) == 2  # the page further on, read once for each request


def test_a_page_from_the_cache_is_metered_with_its_rate_limit_headers(client, pro_headers):
    Plan.objects.filter(code="pro").update(api_requests_per_minute=3, api_requests_per_day=1000)
    publish("GOOG", timeframe="D1")

    responses = [client.get(LIST, headers=pro_headers) for _ in range(4)]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert all(r["X-RateLimit-Limit"] == "3" for r in responses) and 1 <= int(responses[3]["Retry-After"]) <= 60


def test_the_version_changes_when_the_list_changes_and_again_when_that_commits(db, django_capture_on_commit_callbacks):
    before = signal_list_version()
    assert signal_list_version() == before

    with django_capture_on_commit_callbacks(execute=True):
        signal_list_changed()
        written = signal_list_version()

    assert len({before, written, signal_list_version()}) == 3
