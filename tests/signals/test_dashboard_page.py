"""The dashboard: the tier's live signals with the feed's resume point, open signals with their
distances, today's outcomes, watchlists, engine status and usage; locked parts, never errors."""

import re
from datetime import timedelta

from accounts.models import User
from signals.feed_selectors import publication_seq_latest
from signals.page_selectors import level_distances
from tests.api_v1.conftest import close, publish, subscribe
from tests.signals.website import daily_bars, midnight_days_ago
from watchlists.models import Watchlist


def test_the_dashboard_lists_the_tiers_signals_and_resumes_the_feed_after_the_newest(
        client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    first = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(3))
    second = publish("EURUSD", timeframe="D1", confidence=None, bar_time=midnight_days_ago(3))
    client.force_login(alice)

    page = client.get("/app/").content.decode()

    assert re.search(r'data-after="(\d+)"', page).group(1) == str(publication_seq_latest(tier="pro"))
    assert page.index(f"/app/signals/{second.pk}/") < page.index(f"/app/signals/{first.pk}/")  # newest first
    assert 'data-streams="signals engine"' in page


def test_an_open_signal_shows_how_far_the_last_close_is_from_its_stop_and_targets(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    daily_bars("GOOG", until=midnight_days_ago(1), count=10, start_price=100.0)
    last_close = 100.0 * (1 + 0.0005 * 9 + 0.004) + 0.3  # the helper's newest close
    signal = publish("GOOG", timeframe="D1", confidence=None, entry=last_close, bar_time=midnight_days_ago(1))
    client.force_login(alice)

    page = client.get("/app/").content.decode()

    open_table = page[page.index('id="open-heading"'):page.index('id="outcomes-heading"')]
    assert f"/app/signals/{signal.pk}/" in open_table
    # entry at the last close: the stop 2% below, targets 2%, 4% and 6% above
    for distance in ("2.00%", "4.00%", "6.00%"):
        assert distance in open_table


def test_todays_outcomes_show_the_result_and_r(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(2))
    close(signal, r_multiple=-1.0, target_1_hit=False)
    client.force_login(alice)

    page = client.get("/app/").content.decode()

    outcomes = page[page.index('id="outcomes-heading"'):page.index('id="engine-heading"')]
    assert f"/app/signals/{signal.pk}/" in outcomes and "Stop -1.00R" in outcomes


def test_free_sees_the_delay_and_the_upgrade_path_instead_of_undelayed_signals(client, catalogue, tenant_b, charlie):
    publish("GOOG", timeframe="D1", confidence=None)  # not released to Free yet
    client.force_login(charlie)

    response = client.get("/app/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "No signal yet." in page
    assert "shows each signal 1 hour after it is published" in page and "Pro</a> shows them" in page
    api_calls = page[page.index("API calls today"):]
    assert "not included" in api_calls[:300]


def test_the_dashboard_shows_the_tenants_own_watchlists_only(client, catalogue, tenant_a, tenant_b, alice, charlie):
    Watchlist.objects.create(tenant=tenant_a, name="Alpha majors", created_by=alice, is_shared=True)
    Watchlist.objects.create(tenant=tenant_b, name="Bravo secret list", created_by=charlie, is_shared=True)

    client.force_login(charlie)
    page = client.get("/app/").content.decode()

    assert "Bravo secret list" in page and "Alpha majors" not in page


def test_times_on_the_dashboard_are_in_the_members_time_zone(client, catalogue, tenant_a, alice):
    subscribe(tenant_a, "pro")
    signal = publish("GOOG", timeframe="D1", confidence=None, bar_time=midnight_days_ago(2))
    User.objects.filter(pk=alice.pk).update(time_zone="Asia/Kolkata")  # UTC+05:30
    client.force_login(alice)

    page = client.get("/app/").content.decode()

    shown = (signal.created_at + timedelta(hours=5, minutes=30)).strftime("%H:%M")
    assert f', {shown}</time>' in page
    assert "Times are shown in Asia/Kolkata" in page


def test_distances_are_positive_while_a_sell_still_has_room_and_passed_once_beyond():
    item = {"direction": "SELL", "stop": 102.0, "targets": [98.0, 96.0, 94.0]}

    levels = {level.name: level for level in level_distances(item, 97.0)}

    assert round(levels["Stop"].percent, 4) == round(5 / 97 * 100, 4) and not levels["Stop"].passed
    assert levels["TP1"].passed and levels["TP1"].percent < 0
    assert round(levels["TP2"].percent, 4) == round(1 / 97 * 100, 4) and not levels["TP2"].passed
