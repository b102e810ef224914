"""The instrument catalogue and closed bars over the API."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from market.arrays import BarArrays
from market.models import Instrument
from market.services import bars_ingest
from tests.api_v1.conftest import grant_api, key_headers, subscribe


def _hour(dt: datetime) -> datetime:
    return dt.replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def btc_hours(catalogue):
    """BTCUSD H1 bars of the last 10 hours through the real ingest, the hour still forming included."""
    now = _hour(timezone.now())
    times = np.array([int((now - timedelta(hours=h)).timestamp()) for h in range(9, -1, -1)], dtype=np.int64)
    close = 60000 + np.arange(10, dtype=float) * 10
    bars = BarArrays(times, close - 5, close + 20, close - 20, close, np.full(10, 3.5))
    bars_ingest(instrument=Instrument.objects.get(symbol="BTCUSD"), timeframe="H1", bars=bars, source="test")
    return [datetime.fromtimestamp(int(t), tz=UTC) for t in times]


def _times(body):
    return [bar["time"] for bar in body["bars"]]


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_bars_are_closed_ones_oldest_first(client, pro_headers, btc_hours):
    body = client.get("/api/v1/instruments/BTCUSD/bars/?timeframe=H1", headers=pro_headers).json()

    assert _times(body) == [_iso(t) for t in btc_hours[:-1]]  # the hour still forming is left out
    assert body["bars"][0] == {"time": _iso(btc_hours[0]), "open": 59995.0, "high": 60020.0, "low": 59980.0,
                               "close": 60000.0, "volume": 3.5}
    assert body["next"] is None and body["symbol"] == "BTCUSD" and body["timeframe"] == "H1"


def test_bars_over_a_range_a_limit_at_a_time_with_a_link_to_the_rest(client, pro_headers, btc_hours):
    start, end = _iso(btc_hours[2]), _iso(btc_hours[8])

    first = client.get(f"/api/v1/instruments/btcusd/bars/?timeframe=H1&start={start}&end={end}&limit=4",
                       headers=pro_headers).json()
    rest = client.get(first["next"], headers=pro_headers).json()

    assert _times(first) == [_iso(t) for t in btc_hours[2:6]]
    assert _times(rest) == [_iso(t) for t in btc_hours[6:8]] and rest["next"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("", "timeframe"), ("timeframe=H2", "timeframe"), ("timeframe=H1&limit=0", "limit"),
    ("timeframe=H1&limit=5001", "limit"), ("timeframe=H1&limit=ten", "limit"), ("timeframe=H1&start=noon", "start"),
    ("timeframe=H1&start=2026-01-02&end=2026-01-01", "end"), ("timeframe=H1&end=2026-02-30", "end"),
])
def test_bad_bar_queries_are_400s_naming_the_field(client, pro_headers, catalogue, query, field):
    response = client.get(f"/api/v1/instruments/BTCUSD/bars/?{query}", headers=pro_headers)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_bars_of_an_unknown_symbol_are_a_json_404(client, pro_headers, catalogue):
    response = client.get("/api/v1/instruments/NOPE/bars/?timeframe=H1", headers=pro_headers)

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_catalogue_filters_by_asset_class_and_searches_symbol_and_name(client, pro_headers):
    crypto = client.get("/api/v1/instruments/?asset_class=crypto", headers=pro_headers).json()["results"]
    search = client.get("/api/v1/instruments/?search=apple", headers=pro_headers).json()["results"]
    jpy = client.get("/api/v1/instruments/?search=jpy&asset_class=forex", headers=pro_headers).json()["results"]

    assert len(crypto) == 10 and {i["asset_class"] for i in crypto} == {"crypto"}
    assert [i["symbol"] for i in search] == ["AAPL"]
    assert [i["symbol"] for i in jpy] == ["AUDJPY", "CADJPY", "EURJPY", "GBPJPY", "USDJPY"]


def test_the_catalogue_is_paged_by_symbol(client, pro_headers):
    first = client.get("/api/v1/instruments/", headers=pro_headers).json()

    symbols = [i["symbol"] for i in first["results"]]
    assert symbols == sorted(symbols) and first["next"] is None  # 41 instruments fit one page (of 50)
    assert len(symbols) == Instrument.objects.filter(active=True).count()


def test_each_instrument_says_which_timeframes_the_plan_covers(client, pro_headers, tenant_b, charlie):
    grant_api("free")
    free_headers = key_headers(tenant_b, charlie)

    pro = {i["symbol"]: i for i in client.get("/api/v1/instruments/", headers=pro_headers).json()["results"]}
    free = {i["symbol"]: i for i in client.get("/api/v1/instruments/", headers=free_headers).json()["results"]}

    assert pro["AAPL"]["plan_timeframes"] == ["H1", "H4", "D1", "MN1"]
    assert free["GOOG"]["plan_timeframes"] == ["D1", "MN1"] and free["AAPL"]["plan_timeframes"] == []
    subscribe(tenant_b, "premium")
    premium = client.get("/api/v1/instruments/?search=AAPL", headers=free_headers).json()["results"][0]
    assert premium["plan_timeframes"] == ["M15", "H1", "H4", "D1", "W1", "MN1"]


def test_market_endpoints_need_a_key(client, catalogue):
    for url in ("/api/v1/instruments/", "/api/v1/instruments/GOOG/bars/?timeframe=D1"):
        response = client.get(url)
        assert response.status_code in (401, 403) and "error" in response.json()
