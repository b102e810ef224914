"""The track record over the API: per plan with a key, and a public summary that needs none."""

import math

import pytest

from tests.api_v1.conftest import close, publish


@pytest.fixture
def record(pro_headers):
    """GOOG D1: +2R, -1R, +1R (in that order of closing); EURUSD H1: -1R; EURUSD M15 (Premium only): +3R."""
    for r in (2.0, -1.0, 1.0):
        close(publish("GOOG", timeframe="D1", bar_time=None if r == 2.0 else _days_ago(10 + r)), r_multiple=r)
    close(publish("EURUSD", timeframe="H1", confidence=None), r_multiple=-1.0)
    close(publish("EURUSD", timeframe="M15"), r_multiple=3.0)


def _days_ago(days):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(days=days)


def test_the_record_of_a_plans_signals_by_strategy_asset_class_instrument_and_timeframe(client, pro_headers, record):
    body = client.get("/api/v1/track-record/", headers=pro_headers).json()

    assert body["scope"] == "plan" and body["plan"] == "pro"
    assert body["group_by"] == ["strategy", "asset_class", "symbol", "timeframe"]
    groups = {(g["symbol"], g["timeframe"]): g for g in body["groups"]}
    assert set(groups) == {("GOOG", "D1"), ("EURUSD", "H1")}  # M15 was never published to Pro
    goog = groups[("GOOG", "D1")]
    assert (goog["strategy"], goog["asset_class"], goog["count"]) == ("Confluence v1", "stock", 3)
    assert goog["hit_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert goog["hit_rate_low"] < goog["hit_rate"] < goog["hit_rate_high"]
    assert goog["average_r"] == pytest.approx(2 / 3, abs=1e-4) == goog["expectancy_r"]
    assert goog["profit_factor"] == 3.0 and goog["max_drawdown_r"] == 1.0
    assert sum(band["count"] for band in goog["calibration"]) == 3
    eurusd = groups[("EURUSD", "H1")]
    assert eurusd["profit_factor"] == 0.0 and eurusd["calibration"] == [] and eurusd["brier"] is None


def test_group_by_and_filters_choose_the_rows(client, pro_headers, premium_headers, record):
    by_class = client.get("/api/v1/track-record/?group_by=asset_class", headers=premium_headers).json()
    forex = client.get("/api/v1/track-record/?group_by=timeframe&symbol=eurusd", headers=premium_headers).json()

    assert [(g["asset_class"], g["count"]) for g in by_class["groups"]] == [("forex", 2), ("stock", 3)]
    assert "symbol" not in by_class["groups"][0]
    assert [(g["timeframe"], g["total_r"]) for g in forex["groups"]] == [("H1", -1.0), ("M15", 3.0)]


def test_a_record_without_a_loss_has_a_null_profit_factor_never_infinity(client, pro_headers):
    close(publish("GOOG", timeframe="D1"), r_multiple=1.5)

    response = client.get("/api/v1/track-record/", headers=pro_headers)

    assert response.json()["groups"][0]["profit_factor"] is None
    assert "Infinity" not in response.content.decode() and "NaN" not in response.content.decode()


@pytest.mark.parametrize(("query", "field"), [("group_by=instrument", "group_by"), ("timeframe=H2", "timeframe")])
def test_bad_track_record_queries_are_400s_naming_the_field(client, pro_headers, query, field):
    response = client.get(f"/api/v1/track-record/?{query}", headers=pro_headers)

    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field]


def test_the_public_summary_needs_no_key_and_counts_every_signal(client, record):
    response = client.get("/api/v1/track-record/summary/")

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "all"
    groups = {g["asset_class"]: g for g in body["groups"]}
    assert groups["forex"]["count"] == 2 and groups["stock"]["count"] == 3  # the M15 signal included
    assert "calibration" not in groups["stock"]
    assert all(v is None or math.isfinite(v) for g in body["groups"] for v in g.values() if isinstance(v, float))


def test_the_public_summary_is_cached_for_a_minute(client, record):
    first = client.get("/api/v1/track-record/summary/").json()
    close(publish("AAPL", timeframe="D1"), r_multiple=1.0)

    again = client.get("/api/v1/track-record/summary/").json()

    assert again == first


def test_free_record_counts_only_the_signals_released_to_free(client, free_headers, record):
    import time_machine
    from django.utils import timezone

    from signals.publishing import publications_release_due

    before = client.get("/api/v1/track-record/", headers=free_headers).json()
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        publications_release_due()
        after = client.get("/api/v1/track-record/", headers=free_headers).json()

    assert before["groups"] == []  # nothing released to Free yet
    assert [(g["symbol"], g["timeframe"], g["count"]) for g in after["groups"]] == [("GOOG", "D1", 3)]


def _publish_with_patterns(symbol, *patterns, **draft):
    """A signal made by the real service with these chart patterns (name, direction) at its bar."""
    from dataclasses import replace

    from market.models import Instrument
    from signals.services import signal_create, strategy_default_ensure
    from tests.api_v1.conftest import a_draft

    geometry = [{"name": name, "label": name, "timeframe": draft.get("timeframe", "D1"), "direction": direction,
                 "confirmed_at": 0, "level": 1.0, "level_name": "neckline", "points": [], "lines": {}, "touches": 3,
                 "volume_confirmed": None} for name, direction in patterns]
    return signal_create(draft=replace(a_draft(**draft), chart_patterns=geometry),
                         instrument=Instrument.objects.get(symbol=symbol), strategy=strategy_default_ensure())


def test_each_chart_pattern_has_the_record_of_the_plans_signals_it_voted_for(client, pro_headers, free_headers):
    close(_publish_with_patterns("GOOG", ("double_bottom", "up")), r_multiple=2.0)
    close(_publish_with_patterns("GOOG", ("double_bottom", "up"), ("bear_flag", "down"), bar_time=_days_ago(12)),
          r_multiple=-1.0)  # the bear flag voted against this BUY
    close(_publish_with_patterns("EURUSD", ("bull_flag", "up"), timeframe="M15"), r_multiple=3.0)  # Premium only

    pro = client.get("/api/v1/track-record/chart-patterns/", headers=pro_headers).json()
    free = client.get("/api/v1/track-record/chart-patterns/", headers=free_headers).json()

    assert pro["plan"] == "pro"
    assert [(p["chart_pattern"], p["name"], p["count"], p["hit_rate"], p["average_r"]) for p in pro["patterns"]] == [
        ("double_bottom", "Double bottom", 2, 0.5, 0.5)]
    assert free["plan"] == "free" and free["patterns"] == []  # nothing released to Free yet
