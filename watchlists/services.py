"""Writes of watchlists: create, rename, share, delete; add, annotate, remove and reorder instruments.

Each write checks who may make it (watchlists.actors) and the plan's limits (watchlists, symbols per
watchlist) before it changes anything; a refused write raises a domain error naming the field at
fault. Limits are checked under a lock on the tenant's row, so two requests cannot both take the
last place.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Tenant
from billing.entitlements import limit_ensure_available
from config.errors import Conflict, InvalidInput, NotPermitted
from market.models import Instrument
from signals.feed_sending import feed_market_send
from watchlists.actors import Actor
from watchlists.models import Watchlist, WatchlistItem
from watchlists.selectors import closed_bar_prices, watchlist_count

NAME_MAX = 80
NOTE_MAX = 240


def _text_checked(value, *, field: str, longest: int, required: bool) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise InvalidInput(f"A watchlist needs a {field}.", fields={field: ["This field is required."]})
    if len(value) > longest:
        raise InvalidInput(f"That {field} is too long.", fields={field: [f"At most {longest} characters."]})
    if any(ord(character) < 32 for character in value):
        raise InvalidInput(f"That {field} holds control characters.", fields={field: ["Use printable text only."]})
    return value


def _name_checked(name) -> str:
    return _text_checked(name, field="name", longest=NAME_MAX, required=True)


def _note_checked(note) -> str:
    return _text_checked(note, field="note", longest=NOTE_MAX, required=False)


def _lock_tenant(tenant: Tenant) -> None:
    Tenant.objects.select_for_update().filter(pk=tenant.pk).first()


def watchlist_ensure_editable(*, actor: Actor, watchlist: Watchlist) -> None:
    """NotPermitted unless the actor made the watchlist or manages the tenant (a private list is only
    ever seen by its maker: the selectors answer 404 to anyone else)."""
    if actor.manages or (actor.user is not None and watchlist.created_by_id == actor.user.pk):
        return
    raise NotPermitted("Only the member who made this watchlist, or an owner or admin, can change it.")


@transaction.atomic
def watchlist_create(*, actor: Actor, name: str, is_shared: bool = True) -> Watchlist:
    """A new, empty watchlist of the actor's tenant; PlanLimitReached when the plan's watchlists are used."""
    name = _name_checked(name)
    if actor.is_api_key and not is_shared:
        raise InvalidInput("An API key acts for the whole team.",
                           fields={"is_shared": ["An API key creates shared watchlists only."]})
    _lock_tenant(actor.tenant)
    limit_ensure_available(tenant=actor.tenant, limit="watchlists", used=watchlist_count(tenant=actor.tenant))
    return Watchlist.objects.create(tenant=actor.tenant, name=name, is_shared=is_shared,
                                    created_by=actor.credited_to)


@transaction.atomic
def watchlist_update(*, actor: Actor, watchlist: Watchlist, name: str | None = None,
                     is_shared: bool | None = None) -> Watchlist:
    """Rename a watchlist, or share it or make it private (only its maker can make it private: a
    private list belongs to someone)."""
    watchlist_ensure_editable(actor=actor, watchlist=watchlist)
    if name is not None:
        watchlist.name = _name_checked(name)
    if is_shared is not None and is_shared != watchlist.is_shared:
        if not is_shared and (actor.user is None or watchlist.created_by_id != actor.user.pk):
            raise InvalidInput("Only the member who made this watchlist can make it private.",
                               fields={"is_shared": ["Only its maker can make it private."]})
        watchlist.is_shared = is_shared
    watchlist.updated_at = timezone.now()
    watchlist.save(update_fields=["name", "is_shared", "updated_at"])
    return watchlist


@transaction.atomic
def watchlist_delete(*, actor: Actor, watchlist: Watchlist) -> None:
    """Delete a watchlist with its items, and the alert rules that follow it."""
    watchlist_ensure_editable(actor=actor, watchlist=watchlist)
    watchlist.delete()


@transaction.atomic
def watchlist_item_add(*, actor: Actor, watchlist: Watchlist, instrument: Instrument, note: str = "") -> WatchlistItem:
    """Add an instrument at the end of the list. Rules that follow the list watch it from now on."""
    watchlist_ensure_editable(actor=actor, watchlist=watchlist)
    note = _note_checked(note)
    if not instrument.active:
        raise InvalidInput(f"{instrument.symbol} is not traded on Beacon any more.",
                           fields={"symbol": [f"{instrument.symbol} is inactive."]})
    _lock_tenant(actor.tenant)
    items = WatchlistItem.objects.filter(watchlist=watchlist)
    if items.filter(instrument=instrument).exists():
        raise Conflict(f"{instrument.symbol} is already in {watchlist.name}.",
                       fields={"symbol": [f"{instrument.symbol} is already in this watchlist."]})
    limit_ensure_available(tenant=actor.tenant, limit="symbols_per_watchlist", used=items.count())
    last = items.order_by("-position").values_list("position", flat=True).first()
    return WatchlistItem.objects.create(watchlist=watchlist, instrument=instrument, note=note,
                                        position=0 if last is None else last + 1)


@transaction.atomic
def watchlist_item_update(*, actor: Actor, item: WatchlistItem, note: str) -> WatchlistItem:
    watchlist_ensure_editable(actor=actor, watchlist=item.watchlist)
    item.note = _note_checked(note)
    item.save(update_fields=["note"])
    return item


@transaction.atomic
def watchlist_item_remove(*, actor: Actor, item: WatchlistItem) -> None:
    """Remove an instrument from its list; rules that follow the list stop watching it."""
    watchlist_ensure_editable(actor=actor, watchlist=item.watchlist)
    item.delete()


@transaction.atomic
def watchlist_reorder(*, actor: Actor, watchlist: Watchlist, symbols: list[str]) -> list[WatchlistItem]:
    """Put the items in the order of `symbols`, which must name each instrument of the list once."""
    watchlist_ensure_editable(actor=actor, watchlist=watchlist)
    items = {item.instrument.symbol: item for item in watchlist.items.select_related("instrument")}
    if not isinstance(symbols, list) or sorted(map(str, symbols)) != sorted(items):
        raise InvalidInput("Give every symbol of the watchlist once, in the new order.",
                           fields={"symbols": [f"Expected each of {', '.join(sorted(items)) or 'nothing'} once."]})
    ordered = [items[symbol] for symbol in symbols]
    for position, item in enumerate(ordered):
        item.position = position
    WatchlistItem.objects.bulk_update(ordered, ["position"])
    return ordered


def watchlist_item_move(*, actor: Actor, item: WatchlistItem, offset: int) -> list[WatchlistItem]:
    """Move an item `offset` places up (negative) or down the list."""
    symbols = [i.instrument.symbol for i in item.watchlist.items.select_related("instrument").order_by("position",
                                                                                                       "id")]
    here = symbols.index(item.instrument.symbol)
    there = min(max(here + offset, 0), len(symbols) - 1)
    symbols.insert(there, symbols.pop(here))
    return watchlist_reorder(actor=actor, watchlist=item.watchlist, symbols=symbols)


def prices_announce(*, instrument_ids: list[int], timeframe: str, bar_time: datetime) -> int:
    """Put the closed bars of `timeframe` opened at `bar_time` of these instruments on the live feed's
    `market` stream (what the watchlist pages update their prices from); how many were sent."""
    prices = closed_bar_prices(instrument_ids=instrument_ids, timeframe=timeframe, bar_time=bar_time)
    feed_market_send(bars=prices)
    return len(prices)
