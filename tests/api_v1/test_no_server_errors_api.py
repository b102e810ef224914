"""No input to the new endpoints, however malformed, gets a 500: every query parameter they read (and
some they don't) fed garbage, with and without a key, and every other method."""

import base64

import pytest

from billing.models import Plan
from tests.api_v1.conftest import close, publish

ROUTES = ["/api/v1/signals/", "/api/v1/signals/{id}/", "/api/v1/instruments/", "/api/v1/instruments/GOOG/bars/",
          "/api/v1/track-record/", "/api/v1/track-record/summary/", "/api/v1/ledger/", "/api/v1/ledger/verify/"]
PUBLIC_ROUTES = ["/api/v1/track-record/summary/", "/api/v1/ledger/", "/api/v1/ledger/verify/"]
PARAMETERS = ["symbol", "asset_class", "timeframe", "direction", "min_confidence", "status", "start", "end",
              "ordering", "cursor", "limit", "group_by", "from_seq", "to_seq", "search"]
GARBAGE = ["", "-1", "0", "99999999999999999999999", "1e309", "nan", "-inf", "x" * 3000, "\x00", "é\u202e",
           "../../etc/passwd", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-02-30",
           "2026-01-01T25:00:00", "null", "[]", ",,,", "-confidence,seq",
           base64.b64encode(b"p=abc&o=-5&r=2").decode(), base64.b64encode(b"p=1e999").decode(), "%%%"]
ODD_PATHS = ["/api/v1/signals/0/", "/api/v1/signals/99999999999999999999999/", "/api/v1/instruments/%00/bars/",
             "/api/v1/instruments/" + "A" * 500 + "/bars/", "/api/v1/instruments/é/bars/?timeframe=D1"]


@pytest.fixture
def unlimited(settings, pro_headers):
    Plan.objects.filter(code="pro").update(api_requests_per_minute=10**9, api_requests_per_day=10**9)
    settings.API_PUBLIC_REQUESTS_PER_MINUTE = 10**9
    signal = publish("GOOG", timeframe="D1")
    close(signal, r_multiple=1.0)
    publish("EURUSD", timeframe="H1", confidence=None)
    return signal


@pytest.mark.parametrize("with_key", [True, False])
def test_no_new_endpoint_answers_malformed_queries_with_a_server_error(client, pro_headers, unlimited, with_key):
    headers = pro_headers if with_key else {}
    failures, answered = [], 0
    # Without a key the keyed endpoints answer 401 before reading a parameter: one of them is enough.
    for route in ROUTES if with_key else ["/api/v1/signals/", *PUBLIC_ROUTES]:
        url = route.format(id=unlimited.pk)
        for parameter in PARAMETERS:
            for value in GARBAGE:
                response = client.get(url, {parameter: value, "timeframe": "D1"} if "bars" in url
                                      else {parameter: value}, headers=headers)
                answered += response.status_code < 300
                if response.status_code >= 500:
                    failures.append(f"{url}?{parameter}={value[:30]!r}: {response.status_code}")
        response = client.get(url, {p: GARBAGE[i % len(GARBAGE)] for i, p in enumerate(PARAMETERS)}, headers=headers)
        if response.status_code >= 500:
            failures.append(f"{url} with every parameter: {response.status_code}")
    assert failures == []
    assert answered > 50  # the requests reached the views


def test_odd_paths_and_other_methods_are_4xx(client, pro_headers, unlimited):
    failures = []
    for url in ODD_PATHS:
        status = client.get(url, headers=pro_headers).status_code
        if not 400 <= status < 500:
            failures.append(f"GET {url[:60]}: {status}")
    for route in ROUTES:
        url = route.format(id=unlimited.pk)
        for method in (client.post, client.put, client.patch, client.delete):
            for body in (b"", b"{", b'{"seq": [1, 2', b"\xff\xfe"):
                status = method(url, body, content_type="application/json", headers=pro_headers).status_code
                if not 400 <= status < 500:
                    failures.append(f"{method.__name__.upper()} {url} {body!r}: {status}")
    assert failures == []
