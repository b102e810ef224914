"""The watchlist pages: the lists, and one list with each instrument's last price, change over the day
and latest signal. Every action is a small form that works as a plain POST (then back to the page) and,
sent by htmx, answers with the part of the page it changed.

Lists are read through watchlists.selectors, so another tenant's list (or a teammate's private one) is a
404; a refused change (someone else's list, the plan's limit, a bad name) is shown as a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tenancy import tenant_required
from billing.entitlements import tenant_entitlements
from config.errors import DomainError, InvalidInput
from market.models import Instrument
from signals.feed_selectors import publication_seq_latest
from watchlists import selectors, services
from watchlists.actors import actor_of_request
from watchlists.models import Watchlist


@tenant_required
def watchlist_index(request):
    """The lists the member sees, and a form to create one (POST)."""
    actor = actor_of_request(request)
    if request.method == "POST":
        try:
            watchlist = services.watchlist_create(actor=actor, name=request.POST.get("name", ""),
                                                  is_shared=request.POST.get("is_shared") == "on")
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("watchlists:detail", watchlist_id=watchlist.pk)
    return render(request, "watchlists/index.html", {
        "watchlists": selectors.watchlist_list(actor=actor),
        "used": selectors.watchlist_count(tenant=request.tenant),
        "plan": tenant_entitlements(tenant=request.tenant),
    })


@tenant_required
def watchlist_detail(request, watchlist_id: int):
    watchlist = selectors.watchlist_get(actor=actor_of_request(request), pk=watchlist_id)
    return render(request, "watchlists/detail.html", _items_context(request, watchlist))


def _items_context(request, watchlist: Watchlist, error: str = "") -> dict:
    actor = actor_of_request(request)
    try:
        services.watchlist_ensure_editable(actor=actor, watchlist=watchlist)
        editable = True
    except DomainError:
        editable = False
    plan = tenant_entitlements(tenant=request.tenant)
    return {"watchlist": watchlist, "rows": selectors.watchlist_rows(watchlist=watchlist), "editable": editable,
            "plan": plan, "error": error, "live": plan.websocket_connections > 0,
            "signal_seq": publication_seq_latest(tier=plan.plan_code)}


def _changed(request, watchlist: Watchlist, change) -> object:
    """Run `change`; answer htmx with the list's items, anything else with the page."""
    error = ""
    try:
        change()
    except DomainError as refused:
        error = refused.message
    if request.htmx:
        return render(request, "watchlists/_items.html", _items_context(request, watchlist, error))
    if error:
        messages.error(request, error)
    return redirect("watchlists:detail", watchlist_id=watchlist.pk)


def _watchlist(request, watchlist_id: int) -> Watchlist:
    return selectors.watchlist_get(actor=actor_of_request(request), pk=watchlist_id)


@tenant_required
@require_POST
def watchlist_update(request, watchlist_id: int):
    """Rename (`name`), share or make private (`is_shared` on / off)."""
    watchlist = _watchlist(request, watchlist_id)
    shared = {"on": True, "off": False}.get(request.POST.get("is_shared", ""))
    try:
        services.watchlist_update(actor=actor_of_request(request), watchlist=watchlist,
                                  name=request.POST.get("name"), is_shared=shared)
    except DomainError as refused:
        messages.error(request, refused.message)
    return redirect("watchlists:detail", watchlist_id=watchlist.pk)


@tenant_required
@require_POST
def watchlist_delete(request, watchlist_id: int):
    watchlist = _watchlist(request, watchlist_id)
    try:
        services.watchlist_delete(actor=actor_of_request(request), watchlist=watchlist)
    except DomainError as refused:
        messages.error(request, refused.message)
        return redirect("watchlists:detail", watchlist_id=watchlist.pk)
    messages.info(request, f"{watchlist.name} was deleted.")
    return redirect("watchlists:index")


@tenant_required
def instrument_search(request, watchlist_id: int):
    """Instruments matching what is typed in the add form (`symbol`), each with a button that adds it (an
    htmx fragment)."""
    watchlist = _watchlist(request, watchlist_id)
    held = set(watchlist.items.values_list("instrument_id", flat=True))
    found = [i for i in selectors.instrument_search(query=request.GET.get("symbol", "")) if i.pk not in held]
    return render(request, "watchlists/_search.html", {"watchlist": watchlist, "instruments": found})


@tenant_required
@require_POST
def watchlist_item_add(request, watchlist_id: int):
    watchlist = _watchlist(request, watchlist_id)
    instrument = Instrument.objects.filter(symbol=request.POST.get("symbol", "").strip().upper()[:24]).first()
    actor = actor_of_request(request)

    def add():
        if instrument is None:
            raise InvalidInput("No instrument has that symbol.", fields={"symbol": ["Unknown symbol."]})
        services.watchlist_item_add(actor=actor, watchlist=watchlist, instrument=instrument,
                                    note=request.POST.get("note", ""))

    return _changed(request, watchlist, add)


@tenant_required
@require_POST
def watchlist_item_change(request, watchlist_id: int, symbol: str):
    """The item's note (`note`), its place (`move` up or down) or its removal (`remove`)."""
    watchlist = _watchlist(request, watchlist_id)
    item = selectors.watchlist_item_get(watchlist=watchlist, symbol=symbol)
    actor = actor_of_request(request)

    def change():
        if "remove" in request.POST:
            services.watchlist_item_remove(actor=actor, item=item)
        elif request.POST.get("move") in ("up", "down"):
            services.watchlist_item_move(actor=actor, item=item, offset=-1 if request.POST["move"] == "up" else 1)
        else:
            services.watchlist_item_update(actor=actor, item=item, note=request.POST.get("note", ""))

    return _changed(request, watchlist, change)
