"""The news panel of the instrument page and the signal page: the instrument's newest scored items known at
the page's moment (the newest bar's close, the signal's bar close), demo items labelled as such."""

from datetime import datetime, timedelta

from news.demo_seed import news_demo_seed
from news.providers.base import NewsEntry
from news.services import news_entries_store
from tests.api_v1.conftest import publish, subscribe
from tests.signals.website import daily_bars, midnight_days_ago


def _store(title: str, published: datetime, n: int) -> None:
    news_entries_store(entries=[NewsEntry(url=f"https://wire.example/{n}", title=title, summary="", source="Wire",
                                          published=int(published.timestamp()))], provider="feed")


def test_the_instrument_page_shows_the_news_known_at_its_newest_bar(client, catalogue, tenant_a, alice):
    bars = daily_bars("GOOG", until=midnight_days_ago(3), count=30)
    newest_close = bars[-1].time + timedelta(days=1)
    _store("Google shares rise as search advertising revenue grows strongly", newest_close - timedelta(hours=3), 1)
    _store("Google stock slides as investors fear a weak economy", newest_close + timedelta(hours=1), 2)
    client.force_login(alice)

    page = client.get("/app/instruments/GOOG/?tf=D1").content.decode()

    assert 'id="news-heading"' in page
    assert "Google shares rise as search advertising revenue grows strongly" in page
    assert 'href="https://wire.example/1"' in page and "vader-3.3.2" in page
    assert "Google stock slides" not in page  # published after the newest bar closed
    assert "demo data" not in page


def test_the_demo_instruments_show_recorded_demo_news_labelled(client, catalogue, tenant_a, alice):
    news_demo_seed()
    client.force_login(alice)

    page = client.get("/app/instruments/BTCUSD/").content.decode()

    assert "Illustrative headlines written for the demo, not real articles." in page
    assert "Bitcoin" in page and "demo.beacon.invalid" not in page  # demo items are not links


def test_the_signal_page_shows_the_news_before_the_signals_bar_closed(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("BTCUSD", timeframe="D1", bar_time=midnight_days_ago(5))
    daily_bars("BTCUSD", until=signal.bar_time + timedelta(days=2), count=120, start_price=60000)
    bar_close = signal.bar_time + timedelta(days=1)
    _store("Bitcoin rallies to strong gains as buyers return", bar_close - timedelta(hours=2), 1)
    _store("Bitcoin crashes as fears of a ban hurt crypto markets", bar_close + timedelta(minutes=1), 2)
    client.force_login(alice)

    page = client.get(f"/app/signals/{signal.pk}/").content.decode()

    assert "Bitcoin rallies to strong gains" in page and "Bitcoin crashes" not in page
    assert "Published before" in page


def test_no_news_says_so(client, catalogue, tenant_a, alice):
    client.force_login(alice)

    page = client.get("/app/instruments/KO/").content.decode()

    assert "No news of KO before" in page
