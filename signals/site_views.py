"""The website's track record (public summary and the plan's full record), screener and ledger
verification pages. Reads come from the selectors the API uses, validated by the API's own query
serializers, so a page shows what the API would."""

from __future__ import annotations

from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone

from accounts.tenancy import tenant_required
from billing.entitlements import tenant_entitlements
from billing.plan_features import timeframes_locked
from billing.selectors import plan_list_public
from config.errors import NotEntitled
from market.models import AssetClass
from news.selectors import news_demo_stored
from signals.engine.regime import REGIMES
from signals.feed_selectors import publication_seq_latest
from signals.ledger_selectors import ledger_entry_list, ledger_head_seq, ledger_verify_range
from signals.models import Leaning
from signals.screener_api import (
    DEFAULT_ORDERING,
    DEFAULT_ORDERING_WITHOUT_SCORES,
    ScreenerQuerySerializer,
    ScreenerRowSerializer,
    parameters_hidden_refuse,
)
from signals.selectors import SCREENER_SORTS, screener_rows
from signals.sentiment_selectors import sentiment_value_active
from signals.serializers import TIMEFRAMES, TrackRecordQuerySerializer
from signals.site_forms import LedgerRangeForm
from signals.site_selectors import (
    confidence_model_latest,
    instrument_page_url,
    record_view,
    track_record_overall,
    track_record_overall_public,
)
from signals.track_record_selectors import (
    GROUPS,
    TrackRecordFilters,
    chart_pattern_name,
    chart_pattern_track_records,
    track_record_groups,
    track_record_summary,
)

SCREENER_MAX_ROWS = 500
SENTIMENT_OPTIONS = [("positive", "Positive"), ("negative", "Negative"), ("neutral", "Neutral"),
                     ("any", "Any fresh news"), ("none", "No fresh news")]
LEDGER_ENTRIES_SHOWN = 50
GROUP_OPTIONS = [(",".join(GROUPS), "Strategy, class, instrument, timeframe"),
                 ("strategy,asset_class", "Strategy and asset class"), ("asset_class", "Asset class"),
                 ("symbol", "Instrument"), ("timeframe", "Timeframe"), ("symbol,timeframe", "Instrument and timeframe")]
DIMENSION_LABELS = {"strategy": "Strategy", "asset_class": "Asset class", "symbol": "Instrument",
                    "timeframe": "Timeframe"}


def _errors(serializer) -> list[str]:
    """Each bad parameter and why, as one line each."""
    return [f"{name}: {' '.join(str(m) for m in messages)}" for name, messages in serializer.errors.items()]


def _filled(query: QueryDict) -> QueryDict:
    """The parameters a form sent, without the empty ones (an empty select means "any")."""
    kept = QueryDict(mutable=True)
    for name, value in query.items():
        if value != "":
            kept[name] = value
    return kept


def track_record_public(request):
    """Everyone's record by strategy and asset class, for anyone: no account needed."""
    now = timezone.now()
    as_of, groups = track_record_summary(now=now)
    return render(request, "signals/track_record.html", {
        "public": True, "as_of": as_of, "overall": record_view(track_record_overall_public(now=now)),
        "rows": [record_view(group) for group in groups], "dimensions": ["strategy", "asset_class"],
        "labels": DIMENSION_LABELS, "model": confidence_model_latest(),
    })


@tenant_required
def track_record(request):
    """The record of the signals published to the tenant's plan, grouped and filtered as the API's."""
    query = TrackRecordQuerySerializer(data=_filled(request.GET))
    context = {"public": False, "labels": DIMENSION_LABELS, "query": request.GET, "group_options": GROUP_OPTIONS,
               "asset_classes": AssetClass.choices, "timeframes": TIMEFRAMES, "model": confidence_model_latest()}
    if not query.is_valid():
        return render(request, "signals/track_record.html", {**context, "errors": _errors(query)}, status=400)
    params = dict(query.validated_data)
    group_by = params.pop("group_by")
    filters = TrackRecordFilters(**params)
    entitlements = tenant_entitlements(tenant=request.tenant)
    groups = track_record_groups(group_by=group_by, filters=filters, entitlements=entitlements)
    return render(request, "signals/track_record.html", {
        **context, "plan_name": entitlements.plan_name, "dimensions": group_by, "as_of": timezone.now(),
        "overall": record_view(track_record_overall(filters=filters, entitlements=entitlements)),
        "rows": [record_view(group) for group in groups],
        "pattern_rows": [(chart_pattern_name(group.key["chart_pattern"]), group.record)
                         for group in chart_pattern_track_records(entitlements=entitlements)],
        "news_value": sentiment_value_active(), "news_demo": news_demo_stored(),
    })


@tenant_required
def screener(request):
    """Every instrument and timeframe the plan covers with the engine's newest state; the table alone
    for htmx (filters, sorting, live refresh), with the URL kept by the page."""
    params = _filled(request.GET)
    query = ScreenerQuerySerializer(data=params)
    entitlements = tenant_entitlements(tenant=request.tenant)
    context = {"params": params, "ordering": params.get("ordering", DEFAULT_ORDERING),
               "entitlements": entitlements, "locks": _screener_locks(entitlements),
               "asset_classes": AssetClass.choices, "timeframes": sorted(entitlements.timeframes, key=TIMEFRAMES.index),
               "leanings": Leaning.choices, "regimes": REGIMES, "sentiments": SENTIMENT_OPTIONS}
    partial = request.htmx and not request.htmx.boosted
    template = "signals/_screener_table.html" if partial else "signals/screener.html"
    if not query.is_valid():
        # A partial answers 200 so that htmx shows the message in place of the table.
        return render(request, template, {**context, "errors": _errors(query)}, status=200 if partial else 400)
    filters = {name: value for name, value in query.validated_data.items() if name != "ordering"}
    try:
        parameters_hidden_refuse(query.validated_data, entitlements)
    except NotEntitled as refusal:
        errors = {name: " ".join(messages) for name, messages in refusal.fields.items()}
        return render(request, template, {**context, "errors": errors}, status=200 if partial else 403)
    ordering = query.validated_data.get("ordering") or (
        DEFAULT_ORDERING if entitlements.shows_live_scores else DEFAULT_ORDERING_WITHOUT_SCORES)
    rows = list(screener_rows(tenant=request.tenant, filters=filters, ordering=ordering,
                              entitlements=entitlements)[:SCREENER_MAX_ROWS])
    data = ScreenerRowSerializer(rows, many=True, context={"request": request, "entitlements": entitlements}).data
    return render(request, template, {
        **context, "ordering": ordering, "sorts": _sort_links(params, ordering),
        "hidden": data[0]["hidden_fields"] if data else [],
        "rows": [{"row": row, "data": item, "url": instrument_page_url(row.instrument.symbol)}
                 for row, item in zip(rows, data, strict=True)],
        "feed_after": publication_seq_latest(tier=entitlements.plan_code),
    })


def _sort_links(params: QueryDict, ordering: str) -> dict[str, dict]:
    """Per sort field: the URL that sorts by it (descending first, flipped when it is the current one)
    with the other filters kept, and its aria-sort state."""
    links = {}
    for name in SCREENER_SORTS:
        current = ordering.removeprefix("-") == name
        descending = ordering.startswith("-")
        query = params.copy()
        query["ordering"] = (name if descending else f"-{name}") if current else f"-{name}"
        links[name] = {"url": f"?{query.urlencode()}",
                       "state": ("descending" if descending else "ascending") if current else ""}
    return links


def _screener_locks(entitlements) -> list[dict]:
    """What the plan's screener leaves out that another plan shows: more timeframes, more instruments,
    each with the first plan that has it."""
    plans = list(plan_list_public())
    locks = [{"feature": f"Timeframes {', '.join(timeframes)}", "plan": plan}
             for plan, timeframes in timeframes_locked(sorted(entitlements.timeframes), plans=plans)]
    if entitlements.instruments:
        plan = next((p for p in plans if not p.instruments), None)
        if plan is not None:
            locks.append({"feature": "Every other instrument", "plan": plan})
    return locks


def ledger_verify(request):
    """Recompute a range of the ledger's hashes on the server (?from=&to=), for anyone."""
    head = ledger_head_seq()
    form = LedgerRangeForm(request.GET, head_seq=head)
    context = {"form": form, "head_seq": head}
    if not form.is_valid():
        return render(request, "signals/ledger_verify.html", context, status=400)
    first, last = form.cleaned_data["from_seq"], form.cleaned_data["to_seq"]
    verification = ledger_verify_range(from_seq=first, to_seq=last) if head else None
    entries = ledger_entry_list(from_seq=first, to_seq=last, now=timezone.now()).order_by("seq")
    return render(request, "signals/ledger_verify.html", {
        **context, "from_seq": first, "to_seq": last, "verification": verification,
        "entries": list(entries[:LEDGER_ENTRIES_SHOWN]), "entries_shown": LEDGER_ENTRIES_SHOWN,
    })
