"""The screener's live score, leaning and contributions are entitlement data: a plan that receives signals
after a delay sees them as null, named in `hidden_fields`, and may not filter or sort by them, since a
leaning at the threshold would tell it of a signal before its time."""

import pytest

from billing.models import Plan
from signals.models import ScreenerRow
from tests.factories import TenantFactory
from tests.signals.screener_setup import FREE_PAIRS, api_key_headers, screener_rows_seed

URL = "/api/v1/screener/"
LIVE_FIELDS = ("score", "leaning", "contributions")


@pytest.fixture
def rows(db):
    screener_rows_seed()


def _rows(response) -> dict[tuple[str, str], dict]:
    assert response.status_code == 200, response.content
    return {(row["symbol"], row["timeframe"]): row for row in response.json()["results"]}


def test_a_delayed_plan_sees_no_live_score_leaning_or_contributions_and_is_told_so(rows, alice_client):
    free = _rows(alice_client.get(URL))  # Free (1 hour delay), through the website's session

    assert set(free) == FREE_PAIRS
    for row in free.values():
        assert all(row[field] is None for field in LIVE_FIELDS)
        assert set(row["hidden_fields"]) == set(LIVE_FIELDS)
        assert row["rsi"] is not None and row["regime"] and row["close"] == 100.0  # the market's state is shown


@pytest.mark.parametrize("plan", ["pro", "premium"])
def test_a_plan_without_delay_sees_the_live_state(rows, client, plan):
    goog = _rows(client.get(URL, headers=api_key_headers(TenantFactory(), plan=plan)))["GOOG", "D1"]

    assert (goog["score"], goog["leaning"], goog["hidden_fields"]) == (0.62, "long", [])


def test_the_delay_in_the_catalogue_decides_not_the_plan_name(rows, client, alice_client):
    Plan.objects.filter(code="pro").update(signal_delay_seconds=900)
    Plan.objects.filter(code="free").update(signal_delay_seconds=0)

    pro = _rows(client.get(URL, headers=api_key_headers(TenantFactory(), plan="pro")))["GOOG", "D1"]
    free = _rows(alice_client.get(URL))["GOOG", "D1"]

    assert pro["score"] is None and pro["leaning"] is None and pro["contributions"] is None
    assert pro["hidden_fields"] == ["score", "leaning", "contributions"]
    assert (free["score"], free["leaning"], free["hidden_fields"]) == (0.62, "long", ["contributions"])


@pytest.mark.parametrize(("query", "fields"), [
    ("leaning=long", ["leaning"]),
    ("min_abs_score=0.5", ["min_abs_score"]),
    ("ordering=-abs_score", ["ordering"]),
    ("ordering=score", ["ordering"]),
    ("leaning=short&ordering=-score", ["ordering", "leaning"]),
])
def test_a_delayed_plan_cannot_filter_or_sort_by_what_it_does_not_see(rows, alice_client, query, fields):
    before = list(ScreenerRow.objects.order_by("pk").values())

    response = alice_client.get(f"{URL}?{query}")

    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_entitled" and sorted(error["fields"]) == sorted(fields)
    assert "live scores and leanings" in error["message"] and error["upgrade_url"].endswith("/pricing/")
    assert list(ScreenerRow.objects.order_by("pk").values()) == before


def test_a_delayed_plan_is_sorted_by_symbol_unless_it_asks_for_another_field_it_sees(rows, alice_client):
    by_default = [symbol for symbol, _ in _rows(alice_client.get(URL))]
    by_rsi = [symbol for symbol, _ in _rows(alice_client.get(f"{URL}?ordering=-rsi"))]

    assert by_default == ["BTCUSD", "GOOG"]
    assert by_rsi == ["GOOG", "BTCUSD"]  # RSI 64.1 and 35.0
