"""Data for the browser tests of the track record, screener and status pages, made by the real services:
closed signals with their outcomes and ledger entries, the engine's screener rows, recorded health checks."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from market.models import Bar, Instrument
from status.services import health_check_store
from tests.api_v1.conftest import close, publish
from tests.signals.screener_setup import screener_rows_seed

# R of each closed signal, in the order they close: 24 signals, 11 hit target 1.
R_PATTERN = [1.5, -1.0, -1.0, 2.0, 1.0, -1.0, 0.5, -1.0, 3.0, -1.0, -1.0, 1.5,
             -1.0, 2.0, -1.0, -1.0, 1.0, 2.5, -1.0, -1.0, 1.0, -1.0, 1.5, -1.0]


def closed_signals_seed() -> None:
    """The catalogue, screener rows, and closed signals on GOOG D1, EURUSD H1 and BTCUSD MN1 (no
    confidence, as the engine publishes them today)."""
    screener_rows_seed()
    now = timezone.now()
    pairs = [("GOOG", "D1", timedelta(days=1)), ("EURUSD", "H1", timedelta(hours=1)),
             ("BTCUSD", "MN1", timedelta(days=31))]
    for i, r in enumerate(R_PATTERN):
        symbol, timeframe, step = pairs[i % 3]
        signal = publish(symbol, timeframe=timeframe, bar_time=now - step * (40 - i), confidence=None,
                         direction="BUY" if i % 2 else "SELL")
        close(signal, r_multiple=r)


def health_history_seed(*, days: int = 30, per_day: int = 24) -> None:
    """`per_day` checks a day over the last `days` days, oldest first, all passing but for three hours of
    database failures four days ago (one incident)."""
    now = timezone.now().replace(second=0, microsecond=0)
    for minutes in reversed(range(0, days * 24 * 60, 24 * 60 // per_day)):
        at = now - timedelta(minutes=minutes + 1)
        failed = timedelta(days=4) <= now - at <= timedelta(days=4, hours=3)
        database = {"ok": False, "error": "connection refused"} if failed else {"ok": True}
        health_check_store(checked_at=at, checks={"database": database, "cache": {"ok": True}, "beat": {"ok": True}},
                           freshness=[])


def recent_bars_seed() -> None:
    """A week of hourly EURUSD bars up to the last closed hour, and GOOG daily bars that stopped ten days
    ago (a late series)."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    eurusd, goog = Instrument.objects.get(symbol="EURUSD"), Instrument.objects.get(symbol="GOOG")
    bars = [Bar(instrument=eurusd, timeframe="H1", time=now - timedelta(hours=h), open=1.1, high=1.2, low=1.0,
                close=1.15, volume=1.0) for h in range(1, 24 * 7)]
    day = now.replace(hour=0)
    bars += [Bar(instrument=goog, timeframe="D1", time=day - timedelta(days=d), open=100, high=101, low=99, close=100,
                 volume=1.0) for d in range(10, 40)]
    Bar.objects.bulk_create(bars)
