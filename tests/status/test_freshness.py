"""Data freshness: the closed bars a series' calendar expected since its newest bar, per asset class."""

from datetime import UTC, datetime, timedelta

from market.models import Bar, Instrument
from market.services import instrument_catalogue_load
from market.timeframes import Timeframe
from status.freshness import data_freshness, series_missing

# A Wednesday, 10:30 UTC.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)
HOUR = 3600


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def test_a_series_whose_last_closed_bar_is_stored_misses_nothing():
    newest = _epoch(NOW.replace(minute=0) - timedelta(hours=1))  # 09:00, closed at 10:00
    assert series_missing(calendar="ALWAYS", timeframe=Timeframe.H1, newest=newest, now=_epoch(NOW)) == 0


def test_crypto_hours_without_bars_are_missing():
    newest = _epoch(NOW.replace(minute=0) - timedelta(hours=6))  # 04:00; 05:00 to 09:00 closed since
    assert series_missing(calendar="ALWAYS", timeframe=Timeframe.H1, newest=newest, now=_epoch(NOW)) == 5


def test_a_weekend_is_not_missing_forex_bars():
    monday = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)  # Sunday 19:30 New York: the market opened at 17:00
    friday_close = _epoch(datetime(2026, 11, 27, 21, 0, tzinfo=UTC))  # the last bar before the weekend
    assert series_missing(calendar="FOREX", timeframe=Timeframe.H1, newest=friday_close, now=_epoch(monday)) == 2


def test_a_very_late_series_is_counted_up_to_the_cap():
    newest = _epoch(NOW - timedelta(days=400))
    assert series_missing(calendar="ALWAYS", timeframe=Timeframe.H1, newest=newest, now=_epoch(NOW)) == 1000


def test_freshness_per_asset_class_names_its_latest_series(db):
    instrument_catalogue_load()
    btc, eth = Instrument.objects.get(symbol="BTCUSD"), Instrument.objects.get(symbol="ETHUSD")
    last_hour = NOW.replace(minute=0) - timedelta(hours=1)
    for instrument, newest in ((btc, last_hour), (eth, last_hour - timedelta(hours=3))):
        Bar.objects.create(instrument=instrument, timeframe="H1", time=newest, open=1, high=1, low=1, close=1,
                           volume=1)

    [crypto] = data_freshness(now=NOW)

    assert crypto == {"asset_class": "crypto", "series": 2, "late": 1, "newest_bar": "2026-12-02T09:00:00Z",
                      "worst_series": "ETHUSD H1", "worst_missing": 3}
