"""/api/v1/news/: scored items newest first, filtered by instrument, time and sentiment, with the API's
conventions (key, cursor pages, errors per field)."""

import pytest

from news.demo_seed import news_demo_seed
from news.providers.base import NewsEntry
from news.services import news_entries_store
from tests.api_v1.conftest import key_headers, subscribe
from tests.market.conftest import utc


@pytest.fixture
def headers(catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    return key_headers(tenant_a, alice)


@pytest.fixture
def stored(catalogue):
    entries = [NewsEntry(url=f"https://n.example/{n}", title=title, summary="", source="Wire",
                         published=utc("2024-03-13 08:00") + n * 3600)
               for n, title in enumerate(["Bitcoin crashes as fears of a ban hurt crypto markets",
                                          "Bitcoin rallies to strong gains as buyers return",
                                          "Google shares rise as search advertising revenue grows strongly",
                                          "Fed holds rates"])]
    news_entries_store(entries=entries, provider="feed")


def test_the_list_is_newest_first_with_scores_scorer_and_mentions(client, headers, stored):
    body = client.get("/api/v1/news/", headers=headers).json()

    titles = [item["title"] for item in body["results"]]
    assert titles[0] == "Fed holds rates" and len(titles) == 4
    google = body["results"][1]
    assert google["scorer"] == "vader-3.3.2" and google["sentiment"] > 0 and google["is_demo"] is False
    assert google["mentions"] == [{"instrument": "GOOG", "relevance": 1.0, "sentiment": google["sentiment"],
                                   "scorer": "vader-3.3.2"}]
    assert google["published_at"] == "2024-03-13T10:00:00Z"


def test_filters_by_instrument_sentiment_and_time(client, headers, stored):
    def titles(query):
        return [i["title"] for i in client.get(f"/api/v1/news/?{query}", headers=headers).json()["results"]]

    assert titles("instrument=BTCUSD&sentiment=negative") == ["Bitcoin crashes as fears of a ban hurt crypto markets"]
    assert titles("instrument=btcusd&sentiment=positive") == ["Bitcoin rallies to strong gains as buyers return"]
    assert titles("sentiment=neutral") == ["Fed holds rates"]
    assert titles("since=2024-03-13T09:30:00Z") == ["Fed holds rates",
                                                   "Google shares rise as search advertising revenue grows strongly"]


def test_the_sentiment_filter_reads_the_filtered_instruments_own_sentiment(client, headers, stored):
    news_entries_store(entries=[NewsEntry(url="https://n.example/euro", title="Euro gains as strong eurozone data "
                                          "lifts confidence, the dollar slips", summary="", source="Wire",
                                          published=utc("2024-03-13 12:00"))], provider="feed")

    def titles(query):
        return [i["title"][:10] for i in client.get(f"/api/v1/news/?{query}", headers=headers).json()["results"]]

    # Good for the euro, so for EUR/USD; bad for the dollar, so for USD/JPY.
    assert titles("instrument=EURUSD&sentiment=positive") == ["Euro gains"]
    assert titles("instrument=USDJPY&sentiment=positive") == []
    assert titles("instrument=USDJPY&sentiment=negative") == ["Euro gains"]


def test_pages_follow_the_cursor(client, headers, stored):
    first = client.get("/api/v1/news/?limit=3", headers=headers).json()
    second = client.get(first["next"], headers=headers).json()

    assert len(first["results"]) == 3 and [i["title"] for i in second["results"]] == [
        "Bitcoin crashes as fears of a ban hurt crypto markets"]


@pytest.mark.parametrize(("query", "field"), [("instrument=NOPE", "instrument"), ("sentiment=sideways", "sentiment"),
                                              ("since=yesterday", "since"), ("limit=0", "limit"),
                                              ("cursor=garbage", "cursor")])
def test_bad_filters_are_a_400_naming_the_field(client, headers, stored, query, field):
    response = client.get(f"/api/v1/news/?{query}", headers=headers)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_without_a_key_it_is_a_401(client, stored):
    assert client.get("/api/v1/news/").status_code == 401


def test_demo_items_are_labelled_and_seeding_twice_stores_nothing_new(client, headers):
    first = news_demo_seed()
    again = news_demo_seed()

    assert first.stored == first.received > 400 and again.stored == 0
    item = client.get("/api/v1/news/?instrument=GOOG&limit=1", headers=headers).json()["results"][0]
    assert item["is_demo"] is True and item["provider"] == "demo" and item["scorer"] == "vader-3.3.2"


def test_the_schema_lists_the_news_endpoint_with_its_filters(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    parameters = {p["name"] for p in schema["paths"]["/api/v1/news/"]["get"]["parameters"]}
    assert {"instrument", "since", "sentiment", "cursor", "limit"} <= parameters
