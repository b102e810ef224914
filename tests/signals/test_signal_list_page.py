"""The signal list: filters (plain GET or htmx, which gets the results part only), pages, masking."""

import re
from datetime import timedelta

from signals.models import SignalPublication
from signals.publishing import publications_release_due
from tests.api_v1.conftest import close, grant_api, key_headers, publish, subscribe
from tests.signals.website import midnight_days_ago


def _listed(page: str, signals) -> list[int]:
    return [s.pk for s in signals if f"/app/signals/{s.pk}/" in page]


def test_filters_narrow_the_list_by_asset_class_symbol_timeframe_direction_and_status(
        client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    goog = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(3))
    eur_sell = publish("EURUSD", timeframe="D1", direction="SELL", confidence=None, bar_time=midnight_days_ago(3))
    eur_h4 = publish("EURUSD", timeframe="H4", confidence=None)
    close(goog, r_multiple=1.0)
    everything = [goog, eur_sell, eur_h4]
    client.force_login(alice)

    assert _listed(client.get("/app/signals/").content.decode(), everything) == [goog.pk, eur_sell.pk, eur_h4.pk]
    assert _listed(client.get("/app/signals/?asset_class=forex").content.decode(), everything) == [
        eur_sell.pk, eur_h4.pk]
    assert _listed(client.get("/app/signals/?symbol=eurusd&timeframe=D1").content.decode(), everything) == [
        eur_sell.pk]
    assert _listed(client.get("/app/signals/?direction=SELL").content.decode(), everything) == [eur_sell.pk]
    assert _listed(client.get("/app/signals/?status=closed").content.decode(), everything) == [goog.pk]
    assert _listed(client.get("/app/signals/?min_confidence=0.5").content.decode(), everything) == []


def test_an_htmx_request_gets_the_results_only(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None)
    client.force_login(alice)

    response = client.get("/app/signals/?symbol=GOOG", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert f"/app/signals/{signal.pk}/" in page
    assert "<html" not in page and 'role="search"' not in page


def test_a_bad_filter_names_the_field_and_lists_nothing(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    publish("GOOG", timeframe="D1", confidence=None)
    client.force_login(alice)

    response = client.get("/app/signals/?timeframe=Y9&min_confidence=7")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>timeframe</strong>" in page and "<strong>min_confidence</strong>" in page
    assert "/app/signals/" not in page.split('id="signal-results"')[1]


def test_a_plan_without_confidence_cannot_filter_by_it_and_sees_it_locked(client, catalogue, tenant_b, charlie):
    client.force_login(charlie)

    page = client.get("/app/signals/?min_confidence=0.5").content.decode()

    assert "does not show confidence, so signals cannot be filtered by it" in page
    assert 'name="min_confidence"' not in page and 'class="locked"' in page


def test_the_list_pages_through_25_signals_at_a_time_keeping_the_filters(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signals = [publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(40 - i))
               for i in range(27)]
    client.force_login(alice)

    first = client.get("/app/signals/?symbol=GOOG").content.decode()
    second = client.get("/app/signals/?symbol=GOOG&page=2").content.decode()

    assert len(_listed(first, signals)) == 25 and set(_listed(second, signals)) == {signals[0].pk, signals[1].pk}
    assert "symbol=GOOG&amp;page=2" in first and "page 1 of 2" in first


def test_the_list_shows_only_the_tiers_publications(client, catalogue, tenant_a, tenant_b, alice, charlie):
    subscribe(tenant_a, "premium")
    m15 = publish("EURUSD", timeframe="M15", confidence=None)

    client.force_login(charlie)  # Free
    assert f"/app/signals/{m15.pk}/" not in client.get("/app/signals/").content.decode()
    client.force_login(alice)
    assert f"/app/signals/{m15.pk}/" in client.get("/app/signals/").content.decode()
    assert SignalPublication.objects.filter(signal=m15, tier="free").count() == 0


def test_the_website_lists_exactly_the_signals_the_api_gives_the_same_plan(client, catalogue, tenant_b, charlie):
    grant_api("free")
    headers = key_headers(tenant_b, charlie)
    released = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(4))
    publications_release_due(now=released.created_at + timedelta(seconds=3601))
    publish("EURUSD", timeframe="D1", confidence=None)  # Free's copy not released yet
    publish("AAPL", timeframe="D1", confidence=None)  # not in Free's universe
    client.force_login(charlie)

    api = {item["signal_id"] for item in client.get("/api/v1/signals/", headers=headers).json()["results"]}
    page = client.get("/app/signals/").content.decode()
    website = {int(pk) for pk in re.findall(r'href="/app/signals/(\d+)/"', page)}

    assert api == website == {released.pk}
