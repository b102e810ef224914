"""Reads of watchlists: the lists an actor may see, their items, and what the watchlist page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.tenancy import get_for_tenant_or_404
from billing.entitlements import tenant_entitlements
from config.epoch import utc_from_epoch
from market.arrays import BarArrays
from market.models import Instrument
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.models import Signal, SignalPublication
from watchlists.actors import Actor
from watchlists.models import Watchlist, WatchlistItem

DAY = 86400


def watchlist_visible(*, actor: Actor) -> QuerySet[Watchlist]:
    """The tenant's shared watchlists and the actor's own private ones."""
    shown = Q(is_shared=True) if actor.user is None else Q(is_shared=True) | Q(created_by=actor.user)
    return Watchlist.objects.for_tenant(actor.tenant).filter(shown)


def watchlist_list(*, actor: Actor) -> QuerySet[Watchlist]:
    """The watchlists the actor sees, by name, each with `item_count`."""
    return watchlist_visible(actor=actor).annotate(item_count=Count("items")).order_by("name", "id")


def watchlist_get(*, actor: Actor, pk) -> Watchlist:
    """One watchlist the actor sees; Http404 for any other (another tenant's, a teammate's private one)."""
    return get_for_tenant_or_404(watchlist_visible(actor=actor), tenant=actor.tenant, pk=pk)


def watchlist_item_list(*, watchlist: Watchlist) -> QuerySet[WatchlistItem]:
    return watchlist.items.select_related("instrument").order_by("position", "id")


def watchlist_item_get(*, watchlist: Watchlist, symbol: str) -> WatchlistItem:
    item = watchlist.items.select_related("instrument").filter(instrument__symbol=symbol).first()
    if item is None:
        raise Http404(f"{symbol[:24]} is not in this watchlist.")
    return item


def watchlist_count(*, tenant) -> int:
    """Every watchlist of the tenant, shared and private: what the plan's limit counts."""
    return Watchlist.objects.for_tenant(tenant).count()


def instrument_search(*, query: str, limit: int = 20) -> list[Instrument]:
    """Active instruments whose symbol or name contains `query`, symbols starting with it first."""
    query = query.strip()[:40]
    if not query:
        return []
    found = Instrument.objects.filter(active=True).filter(Q(symbol__icontains=query) | Q(display_name__icontains=query))
    starts = list(found.filter(symbol__istartswith=query).order_by("symbol")[:limit])
    others = list(found.exclude(pk__in=[i.pk for i in starts]).order_by("symbol")[:limit - len(starts)])
    return starts + others


@dataclass(frozen=True)
class WatchlistRow:
    """What the watchlist page shows of an item."""

    item: WatchlistItem
    price: float | None  # the newest close, of the finest timeframe with bars
    price_time: datetime | None  # when that bar closed
    day_change_pct: float | None  # against the close a day earlier; None beyond daily bars
    signal: Signal | None  # the newest signal the tenant's plan has been shown
    timeframe_seconds: int | None = None  # the length of the price's bar (the page's live updates compare it)

    @property
    def instrument(self) -> Instrument:
        return self.item.instrument


def watchlist_rows(*, watchlist: Watchlist) -> list[WatchlistRow]:
    """Each item with its last price, its change over the day and its latest signal for the tenant's plan:
    one bar query per timeframe with bars and one signal query, however many items."""
    items = list(watchlist_item_list(watchlist=watchlist))
    ids = [item.instrument_id for item in items]
    prices = _prices(ids)
    signals = _latest_signals(ids, plan_code=tenant_entitlements(tenant=watchlist.tenant).plan_code)
    rows = []
    for item in items:
        price, price_time, change, seconds = prices.get(item.instrument_id, (None, None, None, None))
        rows.append(WatchlistRow(item=item, price=price, price_time=price_time, day_change_pct=change,
                                 signal=signals.get(item.instrument_id), timeframe_seconds=seconds))
    return rows


def _prices(ids: list[int]) -> dict[int, tuple[float, datetime, float | None, int]]:
    """instrument id -> (newest close, its close time, percent change over a day, its bar's length in s):
    from the timeframe whose newest bar closed last (the finer of two that closed together), one query per
    timeframe. The change compares with the newest close at least a day older (None above daily bars, or
    without one)."""
    best: dict[int, tuple[tuple[int, int], tuple[float, datetime, float | None, int]]] = {}
    for timeframe in Timeframe:
        per_day = DAY // timeframe.seconds
        for pk, bars in bars_latest_arrays(instrument_ids=ids, timeframe=timeframe, count=per_day + 1).items():
            closes_at = bars.time + timeframe.seconds
            rank = (int(closes_at[-1]), -timeframe.seconds)
            if pk in best and best[pk][0] >= rank:
                continue
            best[pk] = (rank, (float(bars.close[-1]), utc_from_epoch(int(closes_at[-1])),
                               _day_change_pct(bars, timeframe), timeframe.seconds))
    return {pk: found for pk, (_, found) in best.items()}


def _day_change_pct(bars: BarArrays, timeframe: Timeframe) -> float | None:
    """The newest close's change in percent against the newest close at least a day older; None above
    daily bars or without one."""
    closes_at = bars.time + timeframe.seconds
    earlier = np.flatnonzero(closes_at <= closes_at[-1] - DAY)
    if DAY // timeframe.seconds < 1 or not len(earlier) or not bars.close[earlier[-1]]:
        return None
    return float(100.0 * (bars.close[-1] / bars.close[earlier[-1]] - 1.0))


def closed_bar_prices(*, instrument_ids: list[int], timeframe: str, bar_time: datetime) -> list[dict[str, Any]]:
    """What the `market` feed stream says of each active instrument's bar of `timeframe` opened at `bar_time`
    (those that have it): symbol, asset class, timeframe and its length in seconds, close time (ISO and epoch s),
    close (a number, and as text at the instrument's precision) and change over a day in percent (or None).
    Two queries."""
    frame = Timeframe(timeframe)
    if not instrument_ids:
        return []
    bars = bars_latest_arrays(instrument_ids=instrument_ids, timeframe=frame, count=DAY // frame.seconds + 1,
                              until=bar_time)
    facts = (Instrument.objects.filter(pk__in=list(bars), active=True)
             .values_list("pk", "symbol", "asset_class", "price_precision"))
    opened = int(bar_time.timestamp())
    prices = []
    for pk, symbol, asset_class, precision in facts:
        arrays = bars[pk]
        if int(arrays.time[-1]) != opened:
            continue
        closed_at = opened + frame.seconds
        close = float(arrays.close[-1])
        prices.append({"instrument": symbol, "asset_class": asset_class, "timeframe": frame.value,
                       "timeframe_seconds": frame.seconds, "closed_at": utc_from_epoch(closed_at).isoformat(),
                       "closed_at_epoch": closed_at, "close": close, "price": f"{close:.{precision}f}",
                       "day_change_pct": _day_change_pct(arrays, frame)})
    return sorted(prices, key=lambda data: data["instrument"])


def _latest_signals(ids: list[int], *, plan_code: str) -> dict[int, Signal]:
    newest = (SignalPublication.objects.filter(tier=plan_code, published_at__isnull=False,
                                               signal__instrument=OuterRef("pk"))
              .order_by("-signal__created_at", "-id").values("signal_id")[:1])
    chosen = dict(Instrument.objects.filter(pk__in=ids).annotate(signal_id=Subquery(newest))
                  .exclude(signal_id=None).values_list("pk", "signal_id"))
    signals = Signal.objects.in_bulk(chosen.values())
    return {pk: signals[signal_id] for pk, signal_id in chosen.items()}
