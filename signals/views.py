"""The subscriber website's signal pages: the dashboard, the signal list (filtered with htmx) and a
signal's page with its chart.

Every read goes through the plan's visible publications and is masked as the API masks it, so a
tier sees here exactly what the API shows it; a signal the plan cannot see is a 404. What the plan
does not include is shown locked with the way to upgrade, never as an error.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.tenancy import tenant_required
from alerts.selectors import alert_rule_active_count
from api.entitlements import request_entitlements
from billing.usage import usage_on
from market.models import AssetClass, Instrument
from market.timeframes import Timeframe
from news.selectors import news_panel
from signals import page_selectors
from signals.api import MAX_ID, signal_detail
from signals.engine.track_record import SUCCESS_RATE_MIN_SAMPLE
from signals.feed_selectors import engine_status
from signals.models import Direction
from signals.serializers import SignalFilterSerializer
from signals.visible_selectors import SignalFilters, ledger_entries_of_signal, publication_get_visible
from watchlists.actors import actor_of_request
from watchlists.selectors import watchlist_count, watchlist_list

FILTER_NAMES = ("asset_class", "symbol", "timeframe", "direction", "min_confidence", "status")


def contribution_bars(contributions: dict[str, float]) -> list[tuple[str, float, float]]:
    """(component, contribution, bar width in % of the track) by size: the largest fills half the
    track, to the right when positive, to the left when negative."""
    largest = max((abs(value) for value in contributions.values()), default=0.0) or 1.0
    return [(name, value, 50.0 * abs(value) / largest)
            for name, value in sorted(contributions.items(), key=lambda kv: -abs(kv[1]))]


def _day_start(now: datetime) -> datetime:
    """Midnight of today in the member's time zone (the one the middleware activated)."""
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


@tenant_required
def dashboard(request):
    entitlements = request_entitlements(request)
    latest, after = page_selectors.signals_latest(entitlements=entitlements)
    usage = usage_on(tenant=request.tenant)
    return render(request, "signals/dashboard.html", {
        "plan": entitlements, "upgrade": page_selectors.upgrade_plan(entitlements=entitlements),
        "latest": latest, "after": after,
        "open_signals": page_selectors.signals_open(entitlements=entitlements),
        "outcomes": page_selectors.outcomes_since(entitlements=entitlements, since=_day_start(timezone.now())),
        "watchlists": watchlist_list(actor=actor_of_request(request))[:6],
        "engine": engine_status(tier=entitlements.plan_code),
        "usage": [
            ("Watchlists", watchlist_count(tenant=request.tenant), entitlements.watchlists),
            ("Active alerts", alert_rule_active_count(tenant=request.tenant), entitlements.active_alerts),
            ("API calls today (UTC)", usage.get("api_calls", 0), entitlements.api_requests_per_day),
            ("Backtests today (UTC)", usage.get("backtests", 0), entitlements.backtests_per_day),
        ],
        "precisions": dict(Instrument.objects.values_list("symbol", "price_precision")),
    })


@tenant_required
def signal_list(request):
    """The filterable list; an htmx request gets the results part only (the form keeps the URL)."""
    entitlements = request_entitlements(request)
    # The API's own filter validation: the same fields, the same messages, the same plan rules.
    query = SignalFilterSerializer(data={k: v for k, v in request.GET.items() if k in FILTER_NAMES and v != ""},
                                   context={"entitlements": entitlements})
    results = None
    if query.is_valid():
        filters = SignalFilters(**{k: v for k, v in query.validated_data.items() if k in FILTER_NAMES})
        results = page_selectors.signal_page(entitlements=entitlements, filters=filters,
                                             number=request.GET.get("page") or 1)
    context = {"plan": entitlements, "upgrade": page_selectors.upgrade_plan(entitlements=entitlements),
               "results": results, "errors": query.errors,
               "values": {name: request.GET.get(name, "") for name in FILTER_NAMES},
               "asset_classes": AssetClass.choices, "directions": Direction.choices,
               "timeframes": [tf.value for tf in Timeframe if tf.value in entitlements.timeframes],
               "precisions": dict(Instrument.objects.values_list("symbol", "price_precision")),
               "querystring": _without_page(request)}
    partial = request.htmx and not request.htmx.history_restore_request
    return render(request, "signals/_results.html" if partial else "signals/list.html", context)


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@tenant_required
def signal_page(request, signal_id: int):
    if signal_id > MAX_ID:
        raise Http404
    entitlements = request_entitlements(request)
    publication = publication_get_visible(entitlements=entitlements, signal_id=signal_id)
    if publication is None:
        raise Http404("Not a signal your plan can see.")
    signal = publication.signal
    detail = signal_detail(publication, ledger=ledger_entries_of_signal(signal_id=signal_id),
                           entitlements=entitlements)
    band = page_selectors.calibration_band(signal) if detail["confidence"] is not None else None
    bars = page_selectors.signal_chart_bars(signal=signal, now=timezone.now())
    return render(request, "signals/detail.html", {
        "plan": entitlements, "upgrade": page_selectors.upgrade_plan(entitlements=entitlements), "signal": detail,
        "instrument": signal.instrument, "band": band, "success_min_sample": SUCCESS_RATE_MIN_SAMPLE,
        "contributions": contribution_bars(detail["contributions"] or {}),
        "paper_trading": entitlements.paper_portfolios > 0,
        "paper_plan": None if entitlements.paper_portfolios > 0 else page_selectors.plan_with_paper_portfolios(),
        # The news the engine could read for this signal: published before its bar closed.
        "news": news_panel(instrument=signal.instrument, until=signal.bar_time + timedelta(
            seconds=Timeframe(signal.timeframe).seconds)),
        "chart": {"bars": bars, "precision": signal.instrument.price_precision, "tick": signal.instrument.tick_size,
                  "timeZone": request.user.time_zone, "direction": detail["direction"],
                  "signalTime": int(signal.bar_time.timestamp()), "entry": detail["entry"], "stop": detail["stop"],
                  "targets": detail["targets"],
                  "outcome": None if detail["outcome"] is None else {
                      "time": int(signal.outcome.closed_bar_time.timestamp()),
                      "price": detail["outcome"]["exit_price"], "result": signal.outcome.get_result_display(),
                      "r": detail["outcome"]["r_multiple"]}},
    })
