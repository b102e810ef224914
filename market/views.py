from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from accounts.tenancy import tenant_required
from api.entitlements import request_entitlements
from market import chart_selectors
from market.selectors import instrument_get, market_overview
from market.timeframes import Timeframe
from news.selectors import news_panel
from signals.page_selectors import instrument_signals, upgrade_plan


@login_required
def markets(request):
    """The instruments with stored history: newest close, change and a sparkline of recent closes."""
    return render(request, "market/markets.html", {"rows": market_overview()})


@tenant_required
def instrument(request, symbol: str):
    """An instrument's chart on one timeframe (?tf=), with the overlays ticked (?overlay=ema&overlay=vwap,
    computed by the engine's indicators), and the signals of it the plan can see."""
    found = instrument_get(symbol=symbol[:24])
    if found is None:
        raise Http404("No such instrument.")
    timeframes = chart_selectors.instrument_timeframes(instrument=found)
    timeframe = chart_selectors.timeframe_chosen(timeframes, asked=request.GET.get("tf"))
    overlays = [name for name in request.GET.getlist("overlay") if name in chart_selectors.OVERLAYS]
    if "overlay" not in request.GET and "tf" not in request.GET:
        overlays = ["ema"]
    bars = chart_selectors.chart_bars(instrument=found, timeframe=timeframe, now=timezone.now()) if timeframe else None
    entitlements = request_entitlements(request)
    # The news known at the newest bar's close (a replayed history's "now"), else now.
    news_until = (datetime.fromtimestamp(int(bars.time[-1]) + Timeframe(timeframe).seconds, tz=UTC)
                  if bars is not None and len(bars) and timeframe else timezone.now())
    return render(request, "market/instrument.html", {
        "instrument": found, "timeframes": timeframes, "timeframe": timeframe, "overlays": overlays,
        "overlay_choices": chart_selectors.OVERLAYS.items(), "plan": entitlements,
        "upgrade": upgrade_plan(entitlements=entitlements),
        "covered": any(entitlements.covers(symbol=found.symbol, asset_class=found.asset_class, timeframe=tf)
                       for tf in entitlements.timeframes),
        "signals": instrument_signals(entitlements=entitlements, symbol=found.symbol),
        "news": news_panel(instrument=found, until=min(news_until, timezone.now())),
        "chart": None if bars is None else {
            "bars": chart_selectors.candle_rows(bars), "precision": found.price_precision, "tick": found.tick_size,
            "timeZone": request.user.time_zone,
            "overlays": chart_selectors.overlay_lines(bars, timeframe=timeframe, names=overlays)},
    })
