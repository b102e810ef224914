"""A subscriber's journey in a real browser on the real ASGI application: sign up, verify the email,
log out and in, watch the dashboard receive a signal published while it is open, open that signal
and see its chart with its levels, log out."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from market.services import instrument_catalogue_load
from signals.publishing import publications_release_due
from signals.services import strategy_default_ensure
from tests.api_v1.conftest import publish
from tests.signals.website import daily_bars, midnight_days_ago

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSPHRASE = "a-long-passphrase-77"


def _sign_up_and_verify(page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_role("link", name="Start free").click()
    page.fill("#id_email", "gale@example.com")
    page.fill("#id_full_name", "Gale")
    page.fill("#id_organisation", "Gale Macro")
    page.fill("#id_password", PASSPHRASE)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(url + "/app/")
    link = re.search(r"http://[^/]+(/accounts/verify/[^\s]+/)", mail.outbox[0].body).group(1)
    page.goto(url + link)
    expect(page.get_by_role("heading", name="Email verified")).to_be_visible()


def test_a_subscriber_receives_a_live_signal_and_opens_its_chart(page, asgi_server):
    instrument_catalogue_load()
    strategy_default_ensure()
    daily_bars("GOOG", until=midnight_days_ago(1), count=200)
    url = asgi_server.url

    _sign_up_and_verify(page, url)
    page.get_by_role("button", name="Log out").click()
    page.goto(url + "/accounts/login/")
    page.fill("#id_email", "gale@example.com")
    page.fill("#id_password", PASSPHRASE)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(url + "/app/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("#feed-state")).to_have_text("Live", timeout=15_000)
    expect(page.locator("#live-empty")).to_be_visible()

    # Published by the engine's service, then released to Free after its delay, as the release task does.
    signal = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(5))
    assert publications_release_due(now=signal.created_at + timedelta(seconds=3601)) == 1
    seq = signal.publications.get(tier="free").pk

    arrived = page.locator(f'#live-signals li[data-seq="{seq}"]')
    expect(arrived).to_be_visible(timeout=15_000)
    expect(arrived).to_contain_text("BUY GOOG D1")
    expect(arrived).to_contain_text(f"entry {signal.entry:,.2f}")
    expect(page.locator("#live-empty")).to_have_count(0)

    arrived.get_by_role("link").click()
    page.wait_for_url(f"{url}/app/signals/{signal.pk}/")
    page.wait_for_selector("#signal-chart[data-drawn-ms]")
    chart = page.evaluate("""() => {
        const c = document.getElementById('signal-chart').beaconChart;
        return {bars: c.series.data().length,
                lines: c.series.priceLines().map(l => [l.options().title, l.options().price]),
                markers: c.markers.markers().map(m => m.text)};
    }""")
    assert chart["bars"] == 200  # the 196 bars up to the signal's, and the 4 closed since
    assert chart["lines"] == [["Entry", signal.entry], ["Stop", signal.stop], ["TP1", signal.target_1],
                              ["TP2", signal.target_2], ["TP3", signal.target_3]]
    assert chart["markers"] == ["BUY"]
    expect(page.get_by_text("not in your Free plan")).to_be_visible()  # reasoning locked, with the way up

    page.get_by_role("button", name="Log out").click()
    page.goto(url + "/app/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
