"""The track record on the website: a public summary for anyone, the plan's full record for members,
the same figures as the API, and a reliability diagram that invents no point."""

from datetime import timedelta

import pytest
from django.utils import timezone

from market.services import instrument_catalogue_load
from signals.publishing import publications_release_due
from tests.api_v1.conftest import close, publish, subscribe


def _days_ago(days: float):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def record(db):
    """GOOG D1 (every plan): +2R, -1R, +1R; EURUSD H1 (Pro and Premium): -1R. No confidence."""
    instrument_catalogue_load()
    for i, r in enumerate((2.0, -1.0, 1.0)):
        close(publish("GOOG", timeframe="D1", bar_time=_days_ago(10 - i), confidence=None), r_multiple=r)
    close(publish("EURUSD", timeframe="H1", bar_time=_days_ago(1), confidence=None), r_multiple=-1.0)


def test_anyone_sees_the_public_summary_with_the_figures_of_the_api(client, record):
    api = client.get("/api/v1/track-record/summary/").json()
    page = client.get("/track-record/").content.decode()

    assert 'data-testid="record-count">4<' in page
    stock = next(g for g in api["groups"] if g["asset_class"] == "stock")
    assert (stock["count"], stock["hit_rate"], stock["profit_factor"]) == (3, 0.6667, 3.0)
    assert "66.7%" in page and "3.00" in page  # the stock group's hit rate and profit factor
    assert "Log in</a> for the record by instrument and timeframe" in page


def test_without_confidence_the_diagram_says_so_and_shows_the_base_rate(client, record):
    page = client.get("/track-record/").content.decode()

    assert "<circle" not in page  # no band drawn
    assert "no point is invented" in page
    assert 'data-testid="base-rate">50.0%<' in page  # 2 of 4 reached target 1
    assert "No confidence model has been trained yet" in page


def test_signals_with_a_confidence_are_drawn_as_bands_with_their_counts(client, db):
    instrument_catalogue_load()
    for i, (confidence, r) in enumerate(((0.62, 1.0), (0.64, -1.0), (0.68, 1.0), (0.31, -1.0))):
        close(publish("GOOG", timeframe="D1", bar_time=_days_ago(10 - i), confidence=confidence), r_multiple=r)

    page = client.get("/track-record/").content.decode()
    overall = page.split('data-chart="reliability"')[1]  # the whole record's diagram, before the groups'

    assert overall.split("</figure>")[0].count("<circle") == 2
    assert "confidence 0.6-0.7: 3 signals, predicted 0.647, realised 0.667" in page
    assert "confidence 0.3-0.4: 1 signal, predicted 0.310, realised 0.000" in page


def test_an_empty_record_says_nothing_has_closed(client, db):
    page = client.get("/track-record/").content.decode()

    assert 'data-testid="record-count">0<' in page and "No signal has closed yet" in page


def test_the_full_record_needs_a_login(client, db):
    response = client.get("/app/track-record/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_member_sees_the_record_of_the_signals_published_to_their_plan(client, record, alice, tenant_a,
                                                                          charlie, tenant_b):
    subscribe(tenant_a, "pro")
    client.force_login(alice)
    pro = client.get("/app/track-record/?group_by=symbol,timeframe").content.decode()
    publications_release_due(now=timezone.now() + timedelta(hours=2))  # Free's delay has passed
    client.force_login(charlie)  # on Free: EURUSD H1 was never published to it
    free = client.get("/app/track-record/?group_by=symbol,timeframe").content.decode()

    assert 'data-testid="record-count">4<' in pro and "<td>EURUSD</td><td>H1</td>" in pro
    assert 'data-testid="record-count">3<' in free and "EURUSD" not in free.split("By instrument")[1]


def test_filters_narrow_the_full_record(client, record, alice, tenant_a):
    subscribe(tenant_a, "pro")
    client.force_login(alice)

    page = client.get("/app/track-record/?asset_class=forex&symbol=&timeframe=").content.decode()

    assert 'data-testid="record-count">1<' in page


@pytest.mark.parametrize(("query", "field"), [("group_by=colour", "group_by"), ("asset_class=bonds", "asset_class"),
                                              ("timeframe=Y1", "timeframe"), ("symbol=" + "X" * 30, "symbol")])
def test_bad_parameters_are_a_400_naming_the_field(client, record, alice, query, field):
    client.force_login(alice)

    response = client.get(f"/app/track-record/?{query}")

    assert response.status_code == 400
    assert f"<li>{field}:" in response.content.decode()


def test_members_see_each_chart_patterns_record_beside_the_groups(alice_client, tenant_a, db):
    from tests.api_v1.test_track_record_api import _publish_with_patterns

    instrument_catalogue_load()
    subscribe(tenant_a, "pro")
    for i, r in enumerate((2.0, -1.0, 1.0)):
        close(_publish_with_patterns("GOOG", ("double_bottom", "up"), bar_time=_days_ago(10 - i), confidence=None),
              r_multiple=r)
    page = alice_client.get("/app/track-record/").content.decode()

    assert "By chart pattern" in page
    table = page[page.index('data-testid="pattern-record"'):]
    assert "<td>Double bottom</td>" in table and "66.7%" in table
    assert "By chart pattern" not in alice_client.get("/track-record/").content.decode()  # members' page only
