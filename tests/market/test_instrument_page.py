"""An instrument's page: its chart on the chosen timeframe, overlays from the engine's indicators,
and the signals of it the plan can see (locked when the plan does not cover it)."""

import json
import re

import numpy as np

from signals.engine import indicators
from tests.api_v1.conftest import publish, subscribe
from tests.signals.website import daily_bars, midnight_days_ago


def _chart(page: str) -> dict:
    return json.loads(re.search(r'<script id="instrument-chart-data" type="application/json">(.*?)</script>',
                                page, re.S).group(1))


def test_the_chart_carries_the_engines_ema_bollinger_and_vwap(client, catalogue, tenant_a, alice):
    bars = daily_bars("GOOG", until=midnight_days_ago(1), count=120)
    client.force_login(alice)

    page = client.get("/app/instruments/GOOG/?tf=D1&overlay=ema&overlay=bollinger&overlay=vwap").content.decode()

    chart = _chart(page)
    closes = np.array([bar.close for bar in bars])
    assert len(chart["bars"]) == 120 and chart["precision"] == 2
    lines = {line["name"]: [v for _, v in line["points"]] for line in chart["overlays"]}
    assert set(lines) == {"EMA 20", "EMA 50", "BB upper", "BB mid", "BB lower", "VWAP"}
    expected = indicators.ema(closes, 20)
    assert lines["EMA 20"][:19] == [None] * 19
    assert np.allclose(np.array(lines["EMA 20"][19:], dtype=float), expected[19:])
    assert np.allclose(np.array(lines["BB upper"][19:], dtype=float), indicators.bollinger(closes, 20, 2.0)[0][19:])
    assert all(v is not None for v in lines["VWAP"])


def test_an_unknown_timeframe_falls_back_and_an_unknown_symbol_is_404(client, catalogue, tenant_a, alice):
    daily_bars("GOOG", until=midnight_days_ago(1), count=30)
    client.force_login(alice)

    page = client.get("/app/instruments/GOOG/?tf=Q7&overlay=nonsense").content.decode()

    assert 'aria-current="true">D1<' in page and _chart(page)["overlays"] == []
    assert client.get("/app/instruments/NOPE/").status_code == 404


def test_the_signal_history_shows_the_plans_signals_or_the_upgrade_path(client, catalogue, tenant_a, tenant_b,
                                                                         alice, charlie):
    subscribe(tenant_a, "pro")
    signal = publish("AAPL", timeframe="D1", confidence=None)

    client.force_login(alice)
    assert f"/app/signals/{signal.pk}/" in client.get("/app/instruments/AAPL/").content.decode()
    client.force_login(charlie)  # Free covers GOOG, EURUSD and BTCUSD only
    page = client.get("/app/instruments/AAPL/").content.decode()
    assert f"/app/signals/{signal.pk}/" not in page
    assert "signals do not cover AAPL" in page and 'href="/pricing/"' in page
