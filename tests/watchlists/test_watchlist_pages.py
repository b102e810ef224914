"""The watchlist pages: each item's last price, change over the day and latest signal; htmx actions that
answer with the list; bob sees a shared list without its controls; charlie gets 404 on every page."""

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from market.arrays import BarArrays
from market.services import bars_ingest
from signals.publishing import publications_release_due
from signals.services import signal_create, strategy_default_ensure
from tests.alerts.conftest import bars_of, subscribe
from tests.isolation import assert_other_tenant_gets_404
from tests.signals.test_outcomes_recorded import a_draft
from watchlists.models import Watchlist, WatchlistItem
from watchlists.services import watchlist_create, watchlist_item_add

HTMX = {"HX-Request": "true"}


@pytest.fixture
def team(alice_actor, instruments):
    watchlist = watchlist_create(actor=alice_actor, name="Team")
    for symbol in ("BTCUSD", "GOOG", "EURUSD"):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments[symbol])
    return watchlist


def test_the_page_shows_last_price_change_over_the_day_and_latest_signal(client, alice, team, instruments,
                                                                           django_capture_on_commit_callbacks):
    closes = [100.0 + i for i in range(30)]  # hourly: the last close 129, a day earlier 105
    bars_ingest(instrument=instruments["BTCUSD"], timeframe="H1", bars=bars_of(closes), source="test")
    with django_capture_on_commit_callbacks(execute=True):
        signal_create(draft=replace(a_draft(), direction="SELL"), instrument=instruments["GOOG"],
                      strategy=strategy_default_ensure())
    client.force_login(alice)

    page = client.get(f"/app/watchlists/{team.pk}/").content.decode()

    assert "129.00" in page and "22.86%" in page  # 129 / 105 - 1
    assert '<span class="sell">SELL</span> D1 at 723.25' in page
    assert page.count("no data") == 2 and "none yet" in page


def test_the_page_follows_prices_and_signals_live_from_the_feed(client, alice, team, instruments):
    closes = [100.0 + i for i in range(30)]
    bars_ingest(instrument=instruments["BTCUSD"], timeframe="H1", bars=bars_of(closes), source="test")
    client.force_login(alice)

    page = client.get(f"/app/watchlists/{team.pk}/").content.decode()

    assert 'data-streams="signals market" data-after="0"' in page and "js/watchlist-live.js" in page
    closed_at = int(bars_of(closes).time[-1]) + 3600
    assert (f'<tr data-symbol="BTCUSD" data-precision="2" data-closed-at="{closed_at}" '
            f'data-timeframe-seconds="3600">') in page
    assert page.count('data-cell="price"') == page.count('data-cell="signal"') == 3
    assert "<script>" not in page and "onsubmit" not in page  # no inline script


def test_a_plan_without_the_feed_says_to_reload(client, alice, team):
    team.tenant.subscription.plan.websocket_connections = 0
    team.tenant.subscription.plan.save()
    client.force_login(alice)

    page = client.get(f"/app/watchlists/{team.pk}/").content.decode()

    assert "feed.js" not in page and "reload for new prices" in page


def test_a_free_plan_sees_a_signal_only_once_its_copy_is_released(client, alice, team, instruments,
                                                                    django_capture_on_commit_callbacks):
    subscribe(team.tenant, "free")
    with django_capture_on_commit_callbacks(execute=True):
        signal = signal_create(draft=a_draft(), instrument=instruments["GOOG"], strategy=strategy_default_ensure())
    client.force_login(alice)

    assert "BUY" not in client.get(f"/app/watchlists/{team.pk}/").content.decode()
    publications_release_due(now=signal.publications.get(tier="free").visible_at)
    assert '<span class="buy">BUY</span>' in client.get(f"/app/watchlists/{team.pk}/").content.decode()


def test_htmx_actions_answer_with_the_list(client, alice, team):
    client.force_login(alice)
    url = f"/app/watchlists/{team.pk}/items/"

    added = client.post(url, {"symbol": "aapl"}, headers=HTMX)
    moved = client.post(f"{url}AAPL/", {"move": "up"}, headers=HTMX)
    noted = client.post(f"{url}GOOG/", {"note": "earnings Tuesday"}, headers=HTMX)
    removed = client.post(f"{url}BTCUSD/", {"remove": "1"}, headers=HTMX)

    assert all(r.status_code == 200 and r.content.decode().startswith('<div id="items">')
               for r in (added, moved, noted, removed))
    assert [i.instrument.symbol for i in team.items.order_by("position")] == ["GOOG", "AAPL", "EURUSD"]
    assert WatchlistItem.objects.get(instrument__symbol="GOOG").note == "earnings Tuesday"
    assert "earnings Tuesday" in removed.content.decode()


def test_search_offers_instruments_not_in_the_list(client, alice, team):
    client.force_login(alice)

    found = client.get(f"/app/watchlists/{team.pk}/search/", {"symbol": "usd"}).content.decode()

    assert "+ ETHUSD" in found and "+ BTCUSD" not in found and "+ EURUSD" not in found


def test_a_refused_action_says_why_and_changes_nothing(client, alice, team):
    client.force_login(alice)

    twice = client.post(f"/app/watchlists/{team.pk}/items/", {"symbol": "GOOG"}, headers=HTMX)
    unknown = client.post(f"/app/watchlists/{team.pk}/items/", {"symbol": "NOPE"})

    assert "GOOG is already in Team." in twice.content.decode()
    assert unknown.status_code == 302
    assert "No instrument has that symbol." in client.get(unknown.url).content.decode()
    assert team.items.count() == 3


def test_members_create_rename_share_and_delete_lists(client, alice, alice_actor):
    client.force_login(alice)

    created = client.post("/app/watchlists/", {"name": "Ideas"})
    watchlist = Watchlist.objects.get()
    client.post(f"/app/watchlists/{watchlist.pk}/update/", {"name": "Good ideas", "is_shared": "off"})
    watchlist.refresh_from_db()
    index = client.get("/app/watchlists/").content.decode()
    deleted = client.post(f"/app/watchlists/{watchlist.pk}/delete/")

    assert created.url == f"/app/watchlists/{watchlist.pk}/"
    assert (watchlist.name, watchlist.is_shared) == ("Good ideas", False)
    assert "Good ideas" in index and "you only" in index
    assert deleted.url == "/app/watchlists/" and not Watchlist.objects.exists()


def test_the_index_says_when_the_plan_has_no_room(client, alice, alice_actor):
    subscribe(alice_actor.tenant, "free")
    client.force_login(alice)
    client.post("/app/watchlists/", {"name": "One"})

    page = client.post("/app/watchlists/", {"name": "Two"}, follow=True).content.decode()

    assert "Your Free plan allows 1 watchlist;" in page
    assert Watchlist.objects.count() == 1


def test_bob_sees_a_shared_list_without_controls_and_cannot_change_it(client, bob, bob_actor, team):
    client.force_login(bob)

    page = client.get(f"/app/watchlists/{team.pk}/").content.decode()
    refused = client.post(f"/app/watchlists/{team.pk}/items/GOOG/", {"remove": "1"}, follow=True)
    renamed = client.post(f"/app/watchlists/{team.pk}/update/", {"name": "Bob's"}, follow=True)

    assert "GOOG" in page and "Remove" not in page and "Rename" not in page
    assert "Only the member who made this watchlist" in refused.content.decode()
    assert "Only the member who made this watchlist" in renamed.content.decode()
    assert team.items.count() == 3 and Watchlist.objects.get(pk=team.pk).name == "Team"


def test_a_private_list_is_a_404_for_a_teammate(client, alice_actor, bob):
    private = watchlist_create(actor=alice_actor, name="Mine", is_shared=False)
    client.force_login(bob)

    assert client.get(f"/app/watchlists/{private.pk}/").status_code == 404
    assert "Mine" not in client.get("/app/watchlists/").content.decode()


def test_charlie_gets_404_on_every_watchlist_page(client, charlie, team):
    base = f"/app/watchlists/{team.pk}/"
    for url, methods in {base: ("get",), f"{base}update/": ("post",), f"{base}delete/": ("post",),
                         f"{base}search/": ("get",), f"{base}items/": ("post",),
                         f"{base}items/GOOG/": ("post",)}.items():
        assert_other_tenant_gets_404(client, outsider=charlie, url=url, methods=methods,
                                     update_data={"name": "Mine now", "symbol": "AAPL", "remove": "1"})
    assert Watchlist.objects.get().name == "Team" and team.items.count() == 3


def test_the_navigation_links_the_watchlists_and_alerts_pages(client, alice):
    client.force_login(alice)

    page = client.get("/app/").content.decode()

    assert 'href="/app/watchlists/"' in page and 'href="/app/alerts/"' in page


def test_the_price_comes_from_the_timeframe_that_closed_last(client, alice, team, instruments):
    btc = instruments["BTCUSD"]
    bars_ingest(instrument=btc, timeframe="H1", bars=bars_of([50.0, 51.0]), source="test")  # 2024-03-01 00:00, 01:00
    days = np.array([int(datetime(2024, 3, day, tzinfo=UTC).timestamp()) for day in (20, 21, 22)], dtype=np.int64)
    closes = np.array([60.0, 61.0, 66.0])
    bars_ingest(instrument=btc, timeframe="D1", bars=BarArrays(days, closes, closes + 1, closes - 1, closes,
                                                               np.full(3, 10.0)), source="test")
    client.force_login(alice)

    page = client.get(f"/app/watchlists/{team.pk}/").content.decode()

    assert "66.00" in page and "8.20%" in page  # 66 / 61 - 1, from the daily bars that closed last
