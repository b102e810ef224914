"""Reads of the subscriber website's signal pages: what the dashboard, the signal list and a signal's
page show, always through the plan's visible publications (signals.visible_selectors) and masked as
the API masks them (signals.api's `signal_list_items` and `signal_detail`): a page shows a tier
exactly what the API shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator

from billing.entitlements import Entitlements
from billing.models import Plan
from billing.selectors import plan_list_public
from market.chart_selectors import candle_rows
from market.models import Instrument
from market.selectors import bar_list_closed, bars_latest_arrays
from market.timeframes import Timeframe
from signals.api import signal_list_items
from signals.feed_selectors import publication_seq_latest
from signals.models import Signal
from signals.visible_selectors import SignalFilters, publication_list_visible, signal_list_visible

CHART_BARS_BEFORE = 400  # bars up to the signal's own, so its setup shows
CHART_BARS_AFTER = 100  # and after it, so its outcome shows: at most 500 in all
PER_PAGE = 25


def upgrade_plan(*, entitlements: Entitlements) -> Plan | None:
    """The first plan of the catalogue that shows what this plan hides (reasoning, confidence,
    real-time signals), for the locked panels' upgrade path; None when nothing is locked."""
    for plan in plan_list_public():
        if ((plan.shows_reasoning and not entitlements.shows_reasoning)
                or (plan.signal_delay_seconds < entitlements.signal_delay_seconds)):
            return plan
    return None


def plan_with_paper_portfolios() -> Plan | None:
    """The first plan of the catalogue that includes paper portfolios (a signal's "Paper trade" upgrade path)."""
    return plan_list_public().filter(paper_portfolios__gt=0).first()


@dataclass(frozen=True)
class SignalPage:
    """A page of the signal list: its items (API list items) and the paginator's page."""

    items: list[dict]
    page: Page


def signal_page(*, entitlements: Entitlements, filters: SignalFilters, number: int, per_page: int = PER_PAGE,
                ) -> SignalPage:
    """The visible signals matching `filters`, newest first, page `number` (the last page if beyond it)."""
    rows = signal_list_visible(entitlements=entitlements, filters=filters).order_by("-id")
    page = Paginator(rows, per_page).get_page(number)
    return SignalPage(items=signal_list_items(list(page.object_list), entitlements), page=page)


def signals_latest(*, entitlements: Entitlements, limit: int = 10) -> tuple[list[dict], int]:
    """The plan's newest visible signals (API list items, newest first) and the sequence the live feed
    should resume after: the tier's newest publication, read before the list, so a signal published
    in between is in the list or in the feed's replay (the page drops a repeat)."""
    after = publication_seq_latest(tier=entitlements.plan_code)
    rows = signal_list_visible(entitlements=entitlements, filters=SignalFilters()).order_by("-id")[:limit]
    return signal_list_items(list(rows), entitlements), after


@dataclass(frozen=True)
class LevelDistance:
    name: str  # "Stop", "TP1".."TP3"
    price: float
    percent: float  # from the last price to the level, in % of that price, positive in the trade's favour
    passed: bool  # the last price is already beyond it


@dataclass(frozen=True)
class OpenSignal:
    item: dict  # the API list item
    last_price: float | None  # newest closed bar's close on the signal's timeframe
    levels: list[LevelDistance]


def signals_open(*, entitlements: Entitlements, limit: int = 20) -> list[OpenSignal]:
    """The plan's open signals (no outcome yet), newest first, each with the distance from the newest
    close of its instrument and timeframe to its stop and three targets: one bar query per timeframe."""
    rows = signal_list_visible(entitlements=entitlements, filters=SignalFilters(status="open")).order_by("-id")
    items = signal_list_items(list(rows[:limit]), entitlements)
    closes = closes_latest(pairs={(item["instrument"], item["timeframe"]) for item in items})
    opened = []
    for item in items:
        price = closes.get((item["instrument"], item["timeframe"]))
        opened.append(OpenSignal(item=item, last_price=price,
                                 levels=level_distances(item, price) if price else []))
    return opened


def level_distances(item: dict, price: float) -> list[LevelDistance]:
    """Stop and targets of a signal (an item with direction, stop, targets) seen from `price`: how far
    each is, in % of the price. Room before the stop and the way still to go to a target are positive."""
    sign = 1.0 if item["direction"] == "BUY" else -1.0
    levels = [("Stop", item["stop"], -1.0)] + [(f"TP{n}", target, 1.0) for n, target in enumerate(item["targets"], 1)]
    distances = []
    for name, level, side in levels:
        percent = side * sign * (level - price) / price * 100.0
        distances.append(LevelDistance(name=name, price=level, percent=percent, passed=percent <= 0))
    return distances


def closes_latest(*, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """(symbol, timeframe) -> the close of its newest stored bar: one query per timeframe."""
    instruments = dict(Instrument.objects.filter(symbol__in={symbol for symbol, _ in pairs})
                       .values_list("symbol", "pk"))
    closes = {}
    for timeframe in {timeframe for _, timeframe in pairs}:
        ids = [instruments[symbol] for symbol, tf in pairs if tf == timeframe and symbol in instruments]
        by_id = bars_latest_arrays(instrument_ids=ids, timeframe=timeframe, count=1)
        for symbol, pk in instruments.items():
            if pk in by_id and (symbol, timeframe) in pairs:
                closes[(symbol, timeframe)] = float(by_id[pk].close[-1])
    return closes


def outcomes_since(*, entitlements: Entitlements, since: datetime, limit: int = 50) -> list[dict]:
    """The plan's visible signals whose outcome was recorded at or after `since` (the start of the
    member's day), the latest recorded first: API list items with result and R."""
    ids = list(publication_list_visible(entitlements=entitlements)
               .filter(signal__outcome__recorded_at__gte=since)
               .order_by("-signal__outcome__recorded_at", "-id").values_list("id", flat=True)[:limit])
    rows = {row["id"]: row for row in signal_list_visible(entitlements=entitlements, filters=SignalFilters())
            .filter(id__in=ids)}
    return signal_list_items([rows[pk] for pk in ids if pk in rows], entitlements)


def signal_chart_bars(*, signal: Signal, now: datetime) -> list[list[float]]:
    """The closed bars around the signal as [time (epoch s), open, high, low, close], oldest first: up
    to CHART_BARS_BEFORE up to its own bar and CHART_BARS_AFTER after it (two indexed queries)."""
    before = bars_latest_arrays(instrument_ids=[signal.instrument_id], timeframe=signal.timeframe,
                                count=CHART_BARS_BEFORE, until=signal.bar_time).get(signal.instrument_id)
    bars = [] if before is None else candle_rows(before)
    after = bar_list_closed(instrument=signal.instrument, timeframe=Timeframe(signal.timeframe), now=now,
                            start=signal.bar_time + timedelta(seconds=1), limit=CHART_BARS_AFTER)
    bars += [[int(t.timestamp()), o, h, lo, c] for t, o, h, lo, c, _ in after]
    return bars


def calibration_band(signal: Signal) -> dict | None:
    """The band of its model's out-of-sample calibration table that holds the signal's confidence
    ({band, count, predicted, realised}); None when the signal has no confidence or no such band."""
    if signal.confidence is None or signal.model_version is None:
        return None
    for band in signal.model_version.calibration_table or []:
        low, _, high = str(band.get("band", "")).partition("-")
        try:
            inside = float(low) <= signal.confidence < float(high) or signal.confidence == float(high) == 1.0
        except ValueError:
            continue
        if inside:
            return band
    return None


def instrument_signals(*, entitlements: Entitlements, symbol: str, limit: int = 50) -> list[dict]:
    """The plan's visible signals on one instrument, newest first (API list items)."""
    rows = signal_list_visible(entitlements=entitlements, filters=SignalFilters(symbol=symbol)).order_by("-id")
    return signal_list_items(list(rows[:limit]), entitlements)
