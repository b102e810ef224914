"""A signal's page: its chart data, levels, reasoning and ledger entry, as the plan sees them."""

import json
import re
from datetime import timedelta

import time_machine
from django.utils import timezone

from billing.models import Plan
from market.models import Instrument
from portfolios.models import Portfolio
from signals.engine.track_record import SUCCESS_RATE_MIN_SAMPLE
from signals.models import ModelVersion
from signals.publishing import publications_release_due
from signals.services import signal_create, strategy_default_ensure
from tests.api_v1.conftest import a_draft, close, publish, publish_after_closed, subscribe
from tests.isolation import assert_other_tenant_gets_404
from tests.signals.website import daily_bars, midnight_days_ago


def _chart(response) -> dict:
    found = re.search(r'<script id="signal-chart-data" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(found.group(1))


def test_a_pro_member_sees_the_chart_levels_reasoning_and_the_ledger_entry(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("EURUSD", timeframe="D1", confidence=None, entry=1.08412, bar_time=midnight_days_ago(5))
    daily_bars("EURUSD", until=signal.bar_time + timedelta(days=3), count=450, start_price=1.05)
    client.force_login(alice)

    response = client.get(f"/app/signals/{signal.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    chart = _chart(response)
    assert len(chart["bars"]) == 403  # 400 up to the signal's bar, and the closed bars after it
    assert chart["bars"][399][0] == int(signal.bar_time.timestamp())
    assert (chart["entry"], chart["stop"], chart["targets"]) == (
        signal.entry, signal.stop, [signal.target_1, signal.target_2, signal.target_3])
    assert chart["precision"] == 5 and chart["outcome"] is None
    assert "1.08412" in page  # the entry at EURUSD's precision
    assert "Uptrend (EMA20 above EMA50)" in page and "supertrend" in page
    ledger = signal.ledger_entries.get(kind="signal")
    assert ledger.hash in page
    assert f"/ledger/verify/?from={ledger.seq}&amp;to={ledger.seq}" in page
    assert "No confidence is published for this signal" in page


def test_a_closed_signal_marks_its_outcome_on_the_chart(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None)
    daily_bars("GOOG", until=signal.bar_time + timedelta(days=1), count=30)
    close(signal, r_multiple=1.0)
    client.force_login(alice)

    chart = _chart(client.get(f"/app/signals/{signal.pk}/"))

    assert chart["outcome"]["result"] == "Target 1" and chart["outcome"]["r"] == 1.0
    assert chart["outcome"]["price"] == signal.target_1


def test_free_sees_a_signal_after_its_delay_without_confidence_or_reasoning_but_with_the_upgrade_path(
        client, catalogue, tenant_b, charlie):
    signal = publish("GOOG", timeframe="D1", confidence=None)
    client.force_login(charlie)
    assert client.get(f"/app/signals/{signal.pk}/").status_code == 404

    with time_machine.travel(signal.created_at + timedelta(seconds=3601)):
        publications_release_due()
        response = client.get(f"/app/signals/{signal.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Uptrend (EMA20 above EMA50)" not in page and "supertrend" not in page
    assert "not in your Free plan" in page and 'href="/pricing/"' in page
    assert "does not show confidence" in page


def test_the_record_of_similar_setups_gives_its_hit_rate_only_from_the_minimum_sample(client, catalogue, tenant_a,
                                                                                     alice):
    subscribe(tenant_a, "pro")
    client.force_login(alice)
    below = publish_after_closed(SUCCESS_RATE_MIN_SAMPLE - 1)
    close(below, r_multiple=1.0)
    at = publish("GOOG", timeframe="D1", bar_time=below.bar_time + timedelta(days=1))  # the floor's worth, all hits

    too_few = client.get(f"/app/signals/{below.pk}/").content.decode()
    enough = client.get(f"/app/signals/{at.pk}/").content.decode()

    assert f"{SUCCESS_RATE_MIN_SAMPLE - 1} earlier signals" in too_few
    assert f"too few to show a hit rate (shown from {SUCCESS_RATE_MIN_SAMPLE})" in too_few
    assert "target 1 hit" not in too_few
    assert f"{SUCCESS_RATE_MIN_SAMPLE} earlier signals" in enough and "target 1 hit 100% of the time" in enough


def test_a_signal_the_plan_cannot_see_is_a_404_to_another_tenant(client, catalogue, tenant_a, tenant_b, charlie):
    subscribe(tenant_a, "premium")
    m15 = publish("EURUSD", timeframe="M15", confidence=None)  # Premium's timeframe only; charlie is on Free

    assert_other_tenant_gets_404(client, outsider=charlie, url=f"/app/signals/{m15.pk}/", methods=("get",))
    assert_other_tenant_gets_404(client, outsider=charlie, url="/app/signals/99999999999999999999/",
                                 methods=("get",))


def test_a_confidence_is_shown_with_its_calibration_band_when_its_model_has_one(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    strategy = strategy_default_ensure()
    model = ModelVersion.objects.create(
        strategy=strategy, version=1, algorithm="test", trained_from=timezone.now(), trained_to=timezone.now(),
        calibration_table=[{"band": "0.6-0.7", "count": 120, "predicted": 0.65, "realised": 0.61}], artifact=b"")
    signal = signal_create(draft=a_draft(confidence=0.64), instrument=Instrument.objects.get(symbol="GOOG"),
                           strategy=strategy, model_version=model)
    client.force_login(alice)

    page = client.get(f"/app/signals/{signal.pk}/").content.decode()

    assert "<strong>0.64</strong> chance of reaching target 1" in page
    assert "Calibration band 0.6-0.7: of 120 out-of-sample signals" in page


def test_a_signal_without_confidence_says_so_and_shows_no_number(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None)
    client.force_login(alice)

    page = client.get(f"/app/signals/{signal.pk}/").content.decode()

    assert "No confidence is published for this signal." in page
    assert "chance of reaching target 1" not in page and "Calibration band" not in page


def test_a_plan_with_paper_portfolios_gets_a_paper_trade_link_to_the_prefilled_ticket(client, catalogue, tenant_a,
                                                                                     alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None, entry=100.0)
    daily_bars("GOOG", until=signal.bar_time + timedelta(days=1), count=30)
    portfolio = Portfolio.objects.create(tenant=tenant_a, name="Main", cash=100_000, equity=100_000)
    client.force_login(alice)

    page = client.get(f"/app/signals/{signal.pk}/").content.decode()

    link = f'href="/app/portfolios/order/?signal={signal.pk}">Paper trade</a>'
    assert link in page
    ticket = client.get(f"/app/portfolios/order/?signal={signal.pk}", follow=True)
    assert ticket.redirect_chain == [(f"/app/portfolios/{portfolio.pk}/order/?signal={signal.pk}", 302)]
    form = ticket.content.decode()
    assert 'name="bracket" checked' in form and 'value="GOOG"' in form
    for level in (signal.entry, signal.stop, signal.target_1, signal.target_2, signal.target_3):
        assert f'value="{level}"' in form


def test_a_plan_without_paper_portfolios_sees_paper_trading_locked_with_the_plan_that_has_it(client, catalogue,
                                                                                             tenant_a, alice):
    subscribe(tenant_a, "pro")
    Plan.objects.filter(code__in=["free", "pro"]).update(paper_portfolios=0)
    signal = publish("GOOG", timeframe="D1", confidence=None)
    daily_bars("GOOG", until=signal.bar_time + timedelta(days=1), count=30)
    client.force_login(alice)

    page = client.get(f"/app/signals/{signal.pk}/").content.decode()

    assert "/app/portfolios/order/" not in page
    locked = re.search(r'<span class="locked" role="note">(.*?)</span>', page, re.S)
    assert locked and "Paper trade: in Premium" in locked.group(1)
    assert "#plan-premium" in locked.group(1)  # the way to upgrade to it
