"""The signal list: filters, ordering, cursor pages, and one query per page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api_v1.conftest import close, publish


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["signal_id"] for item in response.json()["results"]]


@pytest.fixture
def signals(pro_headers):
    """GOOG D1 BUY 0.64 (closed, +1R), EURUSD H1 SELL 0.81, BTCUSD H4 BUY without confidence, in that order."""
    goog = publish("GOOG", timeframe="D1", confidence=0.64)
    close(goog, r_multiple=1.0)
    eurusd = publish("EURUSD", timeframe="H1", direction="SELL", confidence=0.81)
    btc = publish("BTCUSD", timeframe="H4", confidence=None)
    return goog, eurusd, btc


def test_newest_first_by_default(client, pro_headers, signals):
    goog, eurusd, btc = signals

    assert _ids(client.get("/api/v1/signals/", headers=pro_headers)) == [btc.pk, eurusd.pk, goog.pk]


@pytest.mark.parametrize(("query", "expected"), [
    ("symbol=eurusd", [1]), ("asset_class=crypto", [2]), ("timeframe=D1", [0]), ("direction=SELL", [1]),
    ("min_confidence=0.7", [1]), ("status=closed", [0]), ("status=open", [2, 1]),
    ("symbol=GOOG&status=open", []),
])
def test_each_filter_narrows_the_list(client, pro_headers, signals, query, expected):
    assert _ids(client.get(f"/api/v1/signals/?{query}", headers=pro_headers)) == [signals[i].pk for i in expected]


def test_a_time_range_takes_signals_created_from_start_until_before_end(client, pro_headers, signals):
    _, eurusd, btc = signals
    start, end = eurusd.created_at.isoformat(), btc.created_at.isoformat()

    assert _ids(client.get("/api/v1/signals/", {"start": start, "end": end}, headers=pro_headers)) == [eurusd.pk]


def test_ordering_by_confidence_puts_signals_without_one_last(client, pro_headers, signals):
    goog, eurusd, btc = signals

    assert _ids(client.get("/api/v1/signals/?ordering=-confidence", headers=pro_headers)) == [eurusd.pk, goog.pk,
                                                                                              btc.pk]
    assert _ids(client.get("/api/v1/signals/?ordering=confidence", headers=pro_headers)) == [btc.pk, goog.pk, eurusd.pk]
    assert _ids(client.get("/api/v1/signals/?ordering=created_at", headers=pro_headers)) == [goog.pk, eurusd.pk, btc.pk]


@pytest.mark.parametrize("query", ["min_confidence=0.5", "ordering=-confidence", "ordering=confidence"])
def test_a_plan_that_hides_confidence_cannot_filter_or_order_by_it(client, free_headers, query):
    response = client.get(f"/api/v1/signals/?{query}", headers=free_headers)

    assert response.status_code == 400
    field = query.split("=")[0]
    [message] = response.json()["error"]["fields"][field]
    assert "does not show confidence" in message


@pytest.mark.parametrize(("query", "field"), [
    ("min_confidence=2", "min_confidence"), ("min_confidence=nan", "min_confidence"), ("timeframe=D2", "timeframe"),
    ("status=pending", "status"), ("ordering=entry", "ordering"), ("start=yesterday", "start"),
    ("start=2026-01-02&end=2026-01-01", "end"), ("asset_class=bonds", "asset_class"), ("direction=up", "direction"),
])
def test_bad_filters_are_400s_naming_the_field(client, pro_headers, query, field):
    response = client.get(f"/api/v1/signals/?{query}", headers=pro_headers)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_cursor_pages_cover_every_signal_once_in_each_ordering(client, pro_headers, settings):
    made = [publish("GOOG", timeframe="D1", confidence=c, bar_time=timezone.now() - timedelta(days=3 + i))
            for i, c in enumerate([0.5, 0.5, None, 0.7, None, 0.5, 0.9, None, 0.6, 0.5, 0.55, None])]
    for ordering in ["-seq", "seq", "-created_at", "-confidence", "confidence"]:
        seen, url = [], f"/api/v1/signals/?ordering={ordering}"
        while url:
            body = client.get(url, headers=pro_headers).json()
            assert len(body["results"]) <= 50
            seen += [item["signal_id"] for item in body["results"]]
            url = body["next"]
        assert sorted(seen) == sorted(s.pk for s in made), ordering


def test_pages_follow_the_cursor(client, pro_headers):
    made = [publish("GOOG", timeframe="D1", bar_time=timezone.now() - timedelta(days=3 + i)) for i in range(55)]

    first = client.get("/api/v1/signals/", headers=pro_headers).json()
    second = client.get(first["next"], headers=pro_headers).json()

    assert len(first["results"]) == 50 and len(second["results"]) == 5 and second["next"] is None
    assert [i["signal_id"] for i in first["results"] + second["results"]] == [s.pk for s in reversed(made)]
    back = client.get(second["previous"], headers=pro_headers).json()
    assert back["results"] == first["results"]


def test_a_forged_cursor_is_a_400_naming_the_cursor(client, pro_headers, signals):
    import base64

    for position in ["abc", "1e999", "None", "2026-13-45"]:
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        for ordering in ["-seq", "-created_at", "-confidence"]:
            response = client.get(f"/api/v1/signals/?ordering={ordering}&cursor={cursor}", headers=pro_headers)
            assert response.status_code in (200, 400), (position, ordering, response.status_code)
            if position == "abc":
                assert response.status_code == 400
                assert list(response.json()["error"]["fields"]) == ["cursor"]


def _signal_queries(client, headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/signals/", headers=headers).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "signals_" in q["sql"]]


def test_the_list_reads_a_page_in_one_query_however_many_signals_it_holds(client, pro_headers):
    publish("GOOG", timeframe="D1")
    one = _signal_queries(client, pro_headers)
    for i in range(20):
        signal = publish("EURUSD", timeframe="H1", bar_time=timezone.now() - timedelta(hours=3 + i))
        if i % 2:
            close(signal, r_multiple=-1.0)

    many = _signal_queries(client, pro_headers)

    assert len(one) == len(many) == 1
    assert "JOIN" in many[0] and '"signals_signal"."reasoning"' not in many[0]


def test_a_keyed_request_reads_nothing_but_the_page_once_its_key_and_plan_are_cached(client, pro_headers):
    publish("GOOG", timeframe="D1")
    client.get("/api/v1/signals/", headers=pro_headers)

    with CaptureQueriesContext(connection) as queries:  # another page: not in the page cache yet
        response = client.get("/api/v1/signals/?limit=10", headers=pro_headers)

    assert response.status_code == 200 and len(response.json()["results"]) == 1
    assert len(queries.captured_queries) == 1 and "signals_signalpublication" in queries.captured_queries[0]["sql"]
