"""The screener page: the rows and masking of the API's screener for the member's plan, filtered and
sorted through htmx partials with the URL kept; bad parameters get a message, never a 500."""

import re

import pytest

from api import masking
from tests.api_v1.conftest import subscribe
from tests.signals.screener_setup import FREE_PAIRS, PRO_PAIRS, screener_rows_seed

URL = "/app/screener/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def rows(db):
    screener_rows_seed()


def _pairs(html: str) -> list[tuple[str, str]]:
    """The (symbol, timeframe) of each row, in order."""
    return re.findall(r"<strong>(\w+)</strong></a>.*?</td>\s*<td[^>]*>[^<]*</td>\s*<td>(\w+)</td>", html, re.S)


def test_a_member_sees_every_pair_the_api_shows_their_plan(rows, alice_client):
    page = alice_client.get(URL).content.decode()
    api = alice_client.get("/api/v1/screener/").json()["results"]

    assert set(_pairs(page)) == FREE_PAIRS == {(r["symbol"], r["timeframe"]) for r in api}
    assert "Timeframes H1, H4: in Pro" in page and "Timeframes M15, W1: in Premium" in page
    assert "Every other instrument: in Pro" in page


def test_each_tenant_sees_its_own_plans_rows(rows, client, alice, tenant_a, charlie):
    subscribe(tenant_a, "pro")
    client.force_login(alice)
    pro = client.get(URL).content.decode()
    client.force_login(charlie)  # another tenant, on Free
    free = client.get(URL).content.decode()

    assert set(_pairs(pro)) == PRO_PAIRS and set(_pairs(free)) == FREE_PAIRS


def test_what_the_apis_masking_hides_is_shown_locked(rows, alice_client, monkeypatch):
    # The page masks with the API's one rule: a plan without reasoning hides the score too if the rule says so.
    monkeypatch.setitem(masking.FIELDS_SHOWN_BY, "shows_reasoning", ("reasoning", "contributions", "score"))

    page = alice_client.get(URL).content.decode()

    assert "0.62" not in page  # GOOG's score
    assert page.count('class="locked"') >= len(FREE_PAIRS)
    assert "your plan hides contributions, score" in page


def test_a_filter_answers_the_table_alone_to_htmx(rows, alice, tenant_a, client):
    subscribe(tenant_a, "pro")
    client.force_login(alice)

    partial = client.get(URL + "?asset_class=crypto&timeframe=&search=", headers=HTMX).content.decode()

    assert partial.lstrip().startswith('<div id="screener-table"')
    assert "<h1>" not in partial and set(_pairs(partial)) == {("BTCUSD", "MN1"), ("ETHUSD", "D1")}
    assert 'hx-get="/app/screener/?asset_class=crypto&amp;timeframe=&amp;search="' in partial  # refreshes itself


def test_sorting_orders_the_rows_and_links_keep_the_filters(rows, alice, tenant_a, client):
    subscribe(tenant_a, "pro")
    client.force_login(alice)

    page = client.get(URL + "?asset_class=crypto&ordering=rsi").content.decode()

    assert _pairs(page) == [("BTCUSD", "MN1"), ("ETHUSD", "D1")]  # RSI 35, then 44
    assert 'href="?asset_class=crypto&amp;ordering=-rsi" ' in page  # the RSI header flips the order
    assert 'aria-sort="ascending"' in page


def test_a_row_opens_the_instrument(rows, alice_client):
    page = alice_client.get(URL).content.decode()

    assert 'data-href="/app/instruments/GOOG/"' in page


def test_the_sentiment_filter_narrows_the_table_and_the_column_says_the_news(rows, alice, tenant_a, client):
    subscribe(tenant_a, "pro")
    client.force_login(alice)

    positive = client.get(URL + "?sentiment=positive", headers=HTMX).content.decode()
    quiet = client.get(URL + "?sentiment=none").content.decode()

    assert set(_pairs(positive)) == {("GOOG", "D1"), ("ETHUSD", "D1")}
    assert '<span class="buy">positive +0.42</span> <small class="muted">3 items</small>' in positive
    assert '<span class="buy">positive +0.15</span> <small class="muted">1 item</small>' in positive
    assert set(_pairs(quiet)) == set() and "No instrument matches these filters." in quiet  # Pro's rows all had news
    every = client.get(URL).content.decode()
    assert '<span class="sell">negative -0.31</span>' in every and '<span class="">neutral +0.05</span>' in every
    assert '<option value="positive">Positive</option>' in every
    assert '<option value="none" selected>No fresh news</option>' in quiet


def test_a_row_without_fresh_news_says_so_and_each_tenant_filters_its_own_rows(rows, client, charlie, tenant_b,
                                                                               alice):
    subscribe(tenant_b, "premium")
    client.force_login(charlie)
    premium = client.get(URL + "?sentiment=none").content.decode()
    client.force_login(alice)  # another tenant, on Free
    free = client.get(URL + "?sentiment=none").content.decode()

    assert set(_pairs(premium)) == {("EURUSD", "M15"), ("AAPL", "W1")}
    assert premium.count('<span class="muted">no fresh news</span>') == 2
    assert _pairs(free) == []  # Free's two pairs both had news, and Premium's quiet ones are not Free's


@pytest.mark.parametrize(("query", "field"), [("ordering=price", "ordering"), ("asset_class=bonds", "asset_class"),
                                              ("min_abs_score=2", "min_abs_score"), ("regime=calm", "regime"),
                                              ("sentiment=bullish", "sentiment")])
def test_a_bad_parameter_is_named_in_a_400_or_in_the_partial(rows, alice_client, query, field):
    page = alice_client.get(f"{URL}?{query}")
    partial = alice_client.get(f"{URL}?{query}", headers=HTMX)

    assert page.status_code == 400 and f"<li>{field}:" in page.content.decode()
    assert partial.status_code == 200 and f"<li>{field}:" in partial.content.decode()


def test_the_screener_needs_a_login(client, db):
    assert client.get(URL).status_code == 302
