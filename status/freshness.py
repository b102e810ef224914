"""How fresh each asset class's bars are: for every stored series (instrument and timeframe), the
closed bars its calendar expected since its newest stored bar, summed up per asset class."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

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
    latest series with the bars it misses. One grouped query over the bars of active instruments."""
    newest = (Bar.objects.filter(instrument__active=True).values("instrument_id", "timeframe")
              .annotate(newest=Max("time")).order_by())
    instruments = Instrument.objects.in_bulk({row["instrument_id"] for row in newest})
    classes: dict[str, dict] = {}
    for row in newest:
        instrument = instruments[row["instrument_id"]]
        missing = series_missing(calendar=instrument.calendar, timeframe=Timeframe(row["timeframe"]),
                                 newest=int(row["newest"].timestamp()), now=int(now.timestamp()))
        entry = classes.setdefault(instrument.asset_class, {
            "asset_class": instrument.asset_class, "series": 0, "late": 0, "newest_bar": None,
            "worst_series": "", "worst_missing": -1})
        entry["series"] += 1
        entry["late"] += missing > LATE_AFTER_MISSING
        bar_text = row["newest"].strftime("%Y-%m-%dT%H:%M:%SZ")
        entry["newest_bar"] = max(entry["newest_bar"] or bar_text, bar_text)
        if missing > entry["worst_missing"]:
            entry["worst_series"], entry["worst_missing"] = f"{instrument.symbol} {row['timeframe']}", missing
    return [classes[name] for name in sorted(classes)]
