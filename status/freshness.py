"""How fresh each asset class's bars are: for every stored series (instrument and timeframe), the
closed bars its calendar expected since its newest stored bar, summed up per asset class."""

from __future__ import annotations

from datetime import datetime

from django.db.models import OuterRef, Subquery

from market.calendars import expected_between
from market.models import Bar, Instrument
from market.timeframes import Timeframe

# A series one bar behind is normal (a bar is polled a little after it closes); more is late.
LATE_AFTER_MISSING = 1
# Bars counted at most per series: past this many, a series is simply very late.
MISSING_COUNT_CAP = 1000


def series_missing(*, calendar: str, timeframe: Timeframe, newest: int, now: int) -> int:
    """Closed bars the calendar expected after the bar opening at `newest` (epoch s) by `now`, at most
    MISSING_COUNT_CAP."""
    step = timeframe.seconds
    end = now - step + 1  # a bar opening before this has closed by now
    if end <= newest + step:
        return 0
    start = max(newest, end - MISSING_COUNT_CAP * step)
    return min(expected_between(calendar, timeframe, start, end) + (start > newest), MISSING_COUNT_CAP)


def data_freshness(*, now: datetime) -> list[dict]:
    """Per asset class (sorted): its series, how many are late, its newest bar (ISO, UTC) and its
    latest series with the bars it misses. One query: each active instrument's newest bar of each
    timeframe, each read backwards from the bars' unique index (not a scan of every bar)."""
    newest_of = {tf: Subquery(Bar.objects.filter(instrument=OuterRef("pk"), timeframe=tf.value)
                              .order_by("-time").values("time")[:1]) for tf in Timeframe}
    instruments = Instrument.objects.filter(active=True).annotate(
        **{f"newest_{tf.value}": subquery for tf, subquery in newest_of.items()})
    classes: dict[str, dict] = {}
    for instrument in instruments:
        for timeframe in Timeframe:
            newest = getattr(instrument, f"newest_{timeframe.value}")
            if newest is not None:
                _count_series(classes, instrument=instrument, timeframe=timeframe, newest=newest, now=now)
    return [classes[name] for name in sorted(classes)]


def _count_series(classes: dict[str, dict], *, instrument: Instrument, timeframe: Timeframe, newest: datetime,
                  now: datetime) -> None:
    missing = series_missing(calendar=instrument.calendar, timeframe=timeframe, newest=int(newest.timestamp()),
                             now=int(now.timestamp()))
    entry = classes.setdefault(instrument.asset_class, {
        "asset_class": instrument.asset_class, "series": 0, "late": 0, "newest_bar": None,
        "worst_series": "", "worst_missing": -1})
    entry["series"] += 1
    entry["late"] += missing > LATE_AFTER_MISSING
    bar_text = newest.strftime("%Y-%m-%dT%H:%M:%SZ")
    entry["newest_bar"] = max(entry["newest_bar"] or bar_text, bar_text)
    if missing > entry["worst_missing"]:
        entry["worst_series"], entry["worst_missing"] = f"{instrument.symbol} {timeframe.value}", missing
