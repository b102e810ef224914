"""Test data of the website's signal pages: a synthetic daily history of bars (a gentle zigzag up, not market
data) for a signal's chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from market.models import Bar, Instrument

DAY = timedelta(days=1)


def midnight_days_ago(days: int) -> datetime:
    """Midnight UTC `days` days before today: a D1 bar's open time."""
    return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - days * DAY


def daily_bars(symbol: str, *, until: datetime, count: int, start_price: float = 100.0) -> list[Bar]:
    """`count` D1 bars of `symbol` opening each day at midnight UTC up to `until`, a gentle zigzag up."""
    instrument = Instrument.objects.get(symbol=symbol)
    last = until.replace(hour=0, minute=0, second=0, microsecond=0)
    bars = []
    for i in range(count):
        price = start_price * (1 + 0.0005 * i + (0.004 if i % 2 else -0.004))
        step = start_price * 0.006
        bars.append(Bar(instrument=instrument, timeframe="D1", time=last - (count - 1 - i) * DAY, open=price,
                        high=price + step, low=price - step, close=price + step / 2, volume=1000 + i))
    return Bar.objects.bulk_create(bars)
