"""A tier that receives signals after a delay does not learn of them earlier through the screener:
`last_signal` is the newest signal released to the tenant's tier, not the pair's newest."""

from dataclasses import replace
from datetime import timedelta

from django.utils import timezone

from market.models import Instrument
from market.selectors import bars_latest_arrays
from signals.engine.analysis import analyse_many
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import Signal
from signals.publishing import publications_release_due
from signals.scheduling import engine_run_start
from signals.services import signal_create, strategy_default_ensure
from tests.signals.conftest import NOW
from tests.signals.screener_setup import api_key_headers

URL = "/api/v1/screener/"


def _last_signals(client, **headers) -> dict[tuple[str, str], dict | None]:
    response = client.get(URL, **headers)
    assert response.status_code == 200
    return {(row["symbol"], row["timeframe"]): row["last_signal"] for row in response.json()["results"]}


def _newer_signal_of_goog() -> Signal:
    """A signal of GOOG D1 on the next day's bar, through the service that publishes every signal."""
    goog = Instrument.objects.get(symbol="GOOG")
    bars = bars_latest_arrays(instrument_ids=[goog.pk], timeframe="D1", count=500, until=NOW)[goog.pk]
    draft = analyse_many([("GOOG", bars, goog.spec, None)], timeframe="D1",
                         strategy=replace(StrategyConfig.from_dict(DEFAULT_CONFLUENCE), threshold=0.01))["GOOG"].draft
    return signal_create(draft=replace(draft, bar_time=draft.bar_time + 86400), instrument=goog,
                         strategy=strategy_default_ensure())


def test_each_tier_sees_the_newest_signal_released_to_it(market, alice_client, client, tenant_b,
                                                          django_capture_on_commit_callbacks):
    premium = {"headers": api_key_headers(tenant_b, plan="premium")}
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)
    goog = Signal.objects.get(instrument__symbol="GOOG")

    # Free's copies wait for its delay: its screener shows no signal yet, Premium's shows each.
    assert _last_signals(alice_client) == {("GOOG", "D1"): None, ("BTCUSD", "MN1"): None}
    assert _last_signals(client, **premium)[("GOOG", "D1")] == {
        "id": goog.pk, "direction": goog.direction, "created_at": goog.created_at.isoformat().replace("+00:00", "Z")}

    with django_capture_on_commit_callbacks(execute=True):
        publications_release_due(now=timezone.now() + timedelta(hours=2))
        newer = _newer_signal_of_goog()

    # The first signal is Free's now; the newer one is Premium's at once and Free's only after the delay.
    assert _last_signals(alice_client)[("GOOG", "D1")]["id"] == goog.pk
    assert _last_signals(client, **premium)[("GOOG", "D1")]["id"] == newer.pk
    assert _last_signals(alice_client)[("BTCUSD", "MN1")]["id"] == Signal.objects.get(instrument__symbol="BTCUSD").pk

    publications_release_due(now=timezone.now() + timedelta(hours=2))
    assert _last_signals(alice_client)[("GOOG", "D1")]["id"] == newer.pk


def test_two_tenants_on_the_same_plan_see_the_same_screener(market, client, tenant_a, tenant_b,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    first = client.get(URL, headers=api_key_headers(tenant_a, plan="pro")).json()
    second = client.get(URL, headers=api_key_headers(tenant_b, plan="pro")).json()

    assert first == second and len(first["results"]) == 5  # GOOG, EURUSD, BTCUSD, SPX, IXIC
