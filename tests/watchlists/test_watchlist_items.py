"""A watchlist's items: added by symbol up to the plan's limit, annotated, reordered, removed."""

import pytest

from billing.models import Plan
from config.errors import Conflict, InvalidInput, NotPermitted, PlanLimitReached
from watchlists.models import WatchlistItem
from watchlists.selectors import instrument_search, watchlist_item_list
from watchlists.services import (
    watchlist_create,
    watchlist_item_add,
    watchlist_item_move,
    watchlist_item_remove,
    watchlist_item_update,
    watchlist_reorder,
)


@pytest.fixture
def watchlist(alice_actor):
    return watchlist_create(actor=alice_actor, name="Team")


def symbols(watchlist) -> list[str]:
    return [item.instrument.symbol for item in watchlist_item_list(watchlist=watchlist)]


def test_instruments_are_added_at_the_end_with_a_note(alice_actor, watchlist, instruments):
    for symbol in ("GOOG", "BTCUSD", "EURUSD"):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments[symbol], note=f"{symbol}!")

    assert symbols(watchlist) == ["GOOG", "BTCUSD", "EURUSD"]
    assert WatchlistItem.objects.get(instrument__symbol="BTCUSD").note == "BTCUSD!"


def test_an_instrument_is_in_a_list_once(alice_actor, watchlist, instruments):
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])

    with pytest.raises(Conflict) as caught:
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])

    assert "symbol" in caught.value.fields
    assert WatchlistItem.objects.count() == 1


def test_the_plan_limits_the_symbols_of_a_list(alice_actor, watchlist, instruments):
    Plan.objects.filter(code="pro").update(symbols_per_watchlist=2)
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["AAPL"])

    with pytest.raises(PlanLimitReached) as caught:
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["MSFT"])

    assert caught.value.extra["limit"] == "symbols_per_watchlist"
    assert symbols(watchlist) == ["GOOG", "AAPL"]


def test_items_are_reordered_and_moved(alice_actor, watchlist, instruments):
    for symbol in ("GOOG", "AAPL", "MSFT"):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments[symbol])

    watchlist_reorder(actor=alice_actor, watchlist=watchlist, symbols=["MSFT", "GOOG", "AAPL"])
    assert symbols(watchlist) == ["MSFT", "GOOG", "AAPL"]
    watchlist_item_move(actor=alice_actor, item=WatchlistItem.objects.get(instrument__symbol="AAPL"), offset=-1)
    assert symbols(watchlist) == ["MSFT", "AAPL", "GOOG"]
    watchlist_item_move(actor=alice_actor, item=WatchlistItem.objects.get(instrument__symbol="MSFT"), offset=-1)
    assert symbols(watchlist) == ["MSFT", "AAPL", "GOOG"]  # already first


@pytest.mark.parametrize("order", [["GOOG"], ["GOOG", "AAPL", "AAPL"], ["GOOG", "AAPL", "TSLA"], "GOOG,AAPL"])
def test_a_reorder_must_name_each_item_once_or_changes_nothing(alice_actor, watchlist, instruments, order):
    for symbol in ("GOOG", "AAPL"):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments[symbol])

    with pytest.raises(InvalidInput) as caught:
        watchlist_reorder(actor=alice_actor, watchlist=watchlist, symbols=order)

    assert "symbols" in caught.value.fields
    assert symbols(watchlist) == ["GOOG", "AAPL"]


def test_notes_are_edited_and_items_removed(alice_actor, watchlist, instruments):
    item = watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])

    watchlist_item_update(actor=alice_actor, item=item, note="earnings Tuesday")
    assert WatchlistItem.objects.get().note == "earnings Tuesday"
    with pytest.raises(InvalidInput):
        watchlist_item_update(actor=alice_actor, item=item, note="x" * 241)
    watchlist_item_remove(actor=alice_actor, item=item)

    assert not WatchlistItem.objects.exists()


def test_a_member_cannot_change_the_items_of_a_list_they_did_not_make(alice_actor, bob_actor, watchlist, instruments):
    item = watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])

    with pytest.raises(NotPermitted):
        watchlist_item_add(actor=bob_actor, watchlist=watchlist, instrument=instruments["AAPL"])
    with pytest.raises(NotPermitted):
        watchlist_item_remove(actor=bob_actor, item=item)

    assert symbols(watchlist) == ["GOOG"]


def test_an_inactive_instrument_cannot_be_added(alice_actor, watchlist, instruments):
    instruments["GOOG"].active = False

    with pytest.raises(InvalidInput):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instruments["GOOG"])


def test_search_finds_symbols_by_their_start_first_then_by_name(catalogue):
    assert [i.symbol for i in instrument_search(query="eur")][:3] == ["EURAUD", "EURCAD", "EURCHF"]
    assert [i.symbol for i in instrument_search(query="bitcoin")] == ["BTCUSD"]
    assert instrument_search(query="  ") == []
