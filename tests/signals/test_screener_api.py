"""GET /api/v1/screener/: the engine's newest state of the pairs the tenant's plan covers, filtered,
sorted and paginated; bad parameters are JSON 400s naming the field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Plan
from signals.engine.strategy import COMPONENTS
from signals.models import ScreenerRow, Strategy
from tests.factories import TenantFactory
from tests.signals.screener_setup import (
    FREE_PAIRS,
    PREMIUM_PAIRS,
    PRO_PAIRS,
    api_key_headers,
    screener_rows_seed,
)

URL = "/api/v1/screener/"


@pytest.fixture
def rows(db):
    screener_rows_seed()


@pytest.fixture
def premium(rows, tenant_b):
    return api_key_headers(tenant_b, plan="premium")


def _pairs(response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.content
    return [(row["symbol"], row["timeframe"]) for row in response.json()["results"]]


def test_each_plan_sees_the_pairs_its_catalogue_entry_covers(rows, alice_client, client, tenant_b):
    pro_tenant = TenantFactory()

    assert set(_pairs(alice_client.get(URL))) == FREE_PAIRS  # Free, through the website's session
    assert set(_pairs(client.get(URL, headers=api_key_headers(pro_tenant, plan="pro")))) == PRO_PAIRS
    assert set(_pairs(client.get(URL, headers=api_key_headers(tenant_b, plan="premium")))) == PREMIUM_PAIRS


def test_two_tenants_on_different_plans_see_the_same_state_of_a_pair_they_both_have(rows, alice_client, client,
                                                                                     premium):
    free = {(r["symbol"], r["timeframe"]): r for r in alice_client.get(URL).json()["results"]}
    paid = {(r["symbol"], r["timeframe"]): r for r in client.get(URL, headers=premium).json()["results"]}

    for pair, row in free.items():
        hidden = {*row["hidden_fields"], "hidden_fields"}
        assert {k: v for k, v in row.items() if k not in hidden} == {k: v for k, v in paid[pair].items()
                                                                    if k not in hidden}


def test_a_plan_without_reasoning_gets_the_contributions_as_null_and_named(rows, client, premium):
    pro = {(row["symbol"], row["timeframe"]): row
           for row in client.get(URL, headers=api_key_headers(TenantFactory(), plan="pro")).json()["results"]}
    Plan.objects.filter(code="pro").update(shows_reasoning=False)
    without = {(row["symbol"], row["timeframe"]): row
               for row in client.get(URL, headers=api_key_headers(TenantFactory(), plan="pro")).json()["results"]}

    assert len(pro["GOOG", "D1"]["contributions"]) == len(COMPONENTS) and pro["GOOG", "D1"]["hidden_fields"] == []
    goog = without["GOOG", "D1"]
    assert goog["contributions"] is None and goog["hidden_fields"] == ["contributions"]
    assert goog["score"] == 0.62


def test_a_row_says_what_the_engine_computed(rows, client, premium):
    row = next(r for r in client.get(URL, headers=premium).json()["results"] if r["symbol"] == "GOOG")

    assert row | {"computed_at": None, "contributions": None} == {
        "symbol": "GOOG", "name": "Alphabet Inc. Class C", "asset_class": "stock", "timeframe": "D1",
        "bar_time": "2025-11-24T16:00:00Z", "close": 100.0, "change_pct": 1.2, "score": 0.62, "leaning": "long",
        "regime": "trending_up", "higher_timeframe": "W1", "higher_trend": "up", "rsi": 64.1, "atr_pct": 1.8,
        "contributions": None, "news_vote": 0.42, "news_items": 3, "last_signal": None, "computed_at": None,
        "hidden_fields": []}


@pytest.mark.parametrize(("query", "expected"), [
    ("asset_class=crypto", {("BTCUSD", "MN1"), ("ETHUSD", "D1")}),
    ("timeframe=D1", {("GOOG", "D1"), ("ETHUSD", "D1")}),
    ("leaning=long", {("GOOG", "D1"), ("EURUSD", "M15")}),
    ("regime=ranging", {("EURUSD", "H1"), ("AAPL", "W1")}),
    ("min_abs_score=0.45", {("GOOG", "D1"), ("BTCUSD", "MN1"), ("EURUSD", "M15")}),
    ("min_abs_score=0.5", {("GOOG", "D1"), ("BTCUSD", "MN1")}),
    ("search=eur", {("EURUSD", "H1"), ("EURUSD", "M15")}),
    ("search=bitcoin", {("BTCUSD", "MN1")}),  # the instrument's name
    ("asset_class=forex&leaning=long", {("EURUSD", "M15")}),
    ("sentiment=positive", {("GOOG", "D1"), ("ETHUSD", "D1")}),  # ETHUSD's 0.15 is on the band: positive
    ("sentiment=negative", {("BTCUSD", "MN1")}),
    ("sentiment=neutral", {("EURUSD", "H1")}),
    ("sentiment=any", {("GOOG", "D1"), ("BTCUSD", "MN1"), ("EURUSD", "H1"), ("ETHUSD", "D1")}),
    ("sentiment=none", {("EURUSD", "M15"), ("AAPL", "W1")}),
    ("sentiment=negative&asset_class=stock", set()),
    ("timeframe=M1", set()),
    ("search=&timeframe=&min_abs_score=&ordering=&sentiment=", PREMIUM_PAIRS),  # a form's empty fields filter nothing
])
def test_filters_narrow_the_rows(rows, client, premium, query, expected):
    assert set(_pairs(client.get(f"{URL}?{query}", headers=premium))) == expected


def test_a_filter_cannot_reach_past_the_plan(rows, alice_client):
    assert _pairs(alice_client.get(f"{URL}?timeframe=M15")) == []
    assert _pairs(alice_client.get(f"{URL}?sentiment=neutral")) == []  # EURUSD H1's news: a Pro pair
    assert set(_pairs(alice_client.get(f"{URL}?asset_class=crypto"))) == {("BTCUSD", "MN1")}


@pytest.mark.parametrize(("ordering", "expected"), [
    (None, ["GOOG D1", "BTCUSD MN1", "EURUSD M15", "ETHUSD D1", "EURUSD H1", "AAPL W1"]),  # strongest first
    ("-abs_score", ["GOOG D1", "BTCUSD MN1", "EURUSD M15", "ETHUSD D1", "EURUSD H1", "AAPL W1"]),
    ("abs_score", ["EURUSD H1", "ETHUSD D1", "EURUSD M15", "BTCUSD MN1", "GOOG D1", "AAPL W1"]),
    ("-score", ["GOOG D1", "EURUSD M15", "EURUSD H1", "ETHUSD D1", "BTCUSD MN1", "AAPL W1"]),
    ("score", ["BTCUSD MN1", "ETHUSD D1", "EURUSD H1", "EURUSD M15", "GOOG D1", "AAPL W1"]),
    ("-rsi", ["GOOG D1", "EURUSD M15", "EURUSD H1", "AAPL W1", "ETHUSD D1", "BTCUSD MN1"]),
    ("atr_pct", ["EURUSD M15", "EURUSD H1", "GOOG D1", "AAPL W1", "ETHUSD D1", "BTCUSD MN1"]),
    ("-change_pct", ["GOOG D1", "EURUSD H1", "EURUSD M15", "AAPL W1", "ETHUSD D1", "BTCUSD MN1"]),
])
def test_ordering_sorts_the_rows_and_an_undefined_score_comes_last(rows, client, premium, ordering, expected):
    query = f"?ordering={ordering}" if ordering else ""

    assert [" ".join(pair) for pair in _pairs(client.get(URL + query, headers=premium))] == expected


def test_ordering_by_symbol_both_ways(rows, client, premium):
    ascending = [symbol for symbol, _ in _pairs(client.get(f"{URL}?ordering=symbol", headers=premium))]
    descending = [symbol for symbol, _ in _pairs(client.get(f"{URL}?ordering=-symbol", headers=premium))]

    assert ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
    assert set(ascending) == {"AAPL", "BTCUSD", "ETHUSD", "EURUSD", "GOOG"}


@pytest.mark.parametrize("ordering", ["-score", "score", "-abs_score", "rsi", "symbol"])
def test_pages_follow_the_ordering_to_the_end_and_back(rows, client, premium, ordering):
    whole = _pairs(client.get(f"{URL}?ordering={ordering}", headers=premium))
    pages, response = [], client.get(f"{URL}?ordering={ordering}&limit=2", headers=premium)
    while True:
        pages.append(_pairs(response))
        following = response.json()["next"]
        if following is None:
            break
        response = client.get(following, headers=premium)

    assert [pair for page in pages for pair in page] == whole and len(pages) == 3
    back = client.get(response.json()["previous"], headers=premium)
    assert _pairs(back) == pages[1]


@pytest.mark.parametrize(("query", "field"), [
    ("ordering=price", "ordering"),
    ("ordering=-abs score", "ordering"),
    ("min_abs_score=2", "min_abs_score"),
    ("min_abs_score=nan", "min_abs_score"),
    ("timeframe=H2", "timeframe"),
    ("asset_class=bonds", "asset_class"),
    ("leaning=up", "leaning"),
    ("regime=calm", "regime"),
    ("sentiment=bullish", "sentiment"),
    ("search=" + "x" * 41, "search"),
    ("limit=0", "limit"),
    ("cursor=not-a-cursor", "cursor"),
])
def test_a_bad_parameter_is_a_json_400_naming_the_field_and_changes_nothing(rows, client, premium, query, field):
    before = list(ScreenerRow.objects.order_by("pk").values())

    response = client.get(f"{URL}?{query}", headers=premium)

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]
    assert list(ScreenerRow.objects.order_by("pk").values()) == before


def test_an_unknown_ordering_says_which_fields_sort(rows, client, premium):
    message = client.get(f"{URL}?ordering=price", headers=premium).json()["error"]["fields"]["ordering"][0]

    assert "price" in message and "-abs_score" in message and "symbol" in message


def test_a_bad_sentiment_says_which_values_filter(rows, client, premium):
    message = client.get(f"{URL}?sentiment=bullish", headers=premium).json()["error"]["fields"]["sentiment"][0]

    assert message == '"bullish" is not a sentiment; use one of positive, negative, neutral, any, none.'


def test_a_plan_that_hides_the_live_scores_may_still_filter_by_news_sentiment(rows, alice_client):
    # Free (delayed) hides the score, but the news vote is read from the news every plan is shown: it tells
    # of no signal before its time.
    response = alice_client.get(f"{URL}?sentiment=negative")

    assert _pairs(response) == [("BTCUSD", "MN1")]
    row = response.json()["results"][0]
    assert row["score"] is None and "score" in row["hidden_fields"]
    assert (row["news_vote"], row["news_items"]) == (-0.31, 2)


def test_answers_through_a_key_carry_the_rate_limit_headers(rows, client, premium):
    ok = client.get(URL, headers=premium)
    bad = client.get(f"{URL}?ordering=nope", headers=premium)

    for response in (ok, bad):
        assert int(response["X-RateLimit-Limit"]) == 600  # Premium's requests per minute
        assert int(response["X-RateLimit-Remaining"]) < 600 and int(response["X-RateLimit-Reset"]) > 0
    assert int(bad["X-RateLimit-Remaining"]) == int(ok["X-RateLimit-Remaining"]) - 1


def test_without_credentials_or_api_access_the_answer_is_json(rows, client, tenant_a):
    anonymous = client.get(URL)
    free_key = client.get(URL, headers=api_key_headers(tenant_a, plan="free"))  # Free has no API

    assert anonymous.status_code in (401, 403) and anonymous["Content-Type"] == "application/json"
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert free_key.status_code == 403 and free_key.json()["error"]["code"] == "not_entitled"


def test_a_page_is_read_in_one_query_however_many_rows_it_has(rows, client, premium):
    def row_queries(query: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL + query, headers=premium).status_code == 200
        return [q["sql"] for q in queries.captured_queries if "signals_screenerrow" in q["sql"]]

    assert len(row_queries("")) == 1
    assert len(row_queries("?search=GOOG")) == 1


def test_no_rows_without_an_active_strategy(rows, client, premium):
    Strategy.objects.update(is_active=False)

    assert _pairs(client.get(URL, headers=premium)) == []
