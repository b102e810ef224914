import numpy as np

from market.arrays import BarArrays
from market.resample import resample
from market.timeframes import Timeframe
from tests.market.conftest import FIXTURES, bars_from, utc


def test_ohlcv_rules_hold_for_hourly_to_four_hourly_forex_aligned_to_the_new_york_roll():
    # 17:00 New York (EST) = 22:00 UTC, so forex H4 buckets start at 22:00, 02:00, 06:00 ... UTC.
    rows = [(f"2018-01-08 {h:02d}:00", 1.0 + h / 100, 1.5 + h / 100, 0.5 + h / 100, 1.1 + h / 100, 10 * h)
            for h in range(2, 10)]
    out = resample(bars_from(rows), target=Timeframe.H4, calendar="FOREX")

    assert list(out.time) == [utc("2018-01-08 02:00"), utc("2018-01-08 06:00")]
    assert out.open[0] == 1.02 and out.close[0] == 1.1 + 5 / 100
    assert out.high[0] == 1.5 + 5 / 100 and out.low[0] == 0.5 + 2 / 100
    assert out.volume[0] == 10 * (2 + 3 + 4 + 5)


def test_forex_days_and_weeks_roll_at_17_00_new_york_across_the_weekend():
    # Friday 2018-01-05 20:00-21:00 UTC belong to Friday's trading day (which closes 22:00 UTC);
    # Sunday 22:00 UTC opens Monday's trading day and the new week.
    rows = [("2018-01-05 20:00", 1.20, 1.21, 1.19, 1.205, 5), ("2018-01-05 21:00", 1.205, 1.22, 1.20, 1.21, 6),
            ("2018-01-07 22:00", 1.21, 1.23, 1.20, 1.22, 7), ("2018-01-07 23:00", 1.22, 1.24, 1.21, 1.23, 8)]
    bars = bars_from(rows)

    days = resample(bars, target=Timeframe.D1, calendar="FOREX")
    weeks = resample(bars, target=Timeframe.W1, calendar="FOREX")

    assert list(days.time) == [utc("2018-01-04 22:00"), utc("2018-01-07 22:00")]
    assert list(days.close) == [1.21, 1.23]
    assert list(weeks.time) == [utc("2017-12-31 22:00"), utc("2018-01-07 22:00")]
    assert list(weeks.volume) == [11, 15]


def test_a_stock_week_with_a_holiday_has_four_sessions():
    goog = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    start = int(np.searchsorted(goog.time, utc("2012-11-19")))
    week = BarArrays(*(a[start:start + 4] for a in (goog.time, goog.open, goog.high, goog.low, goog.close,
                                                     goog.volume)))  # Thanksgiving, 2012-11-22

    out = resample(week, target=Timeframe.W1, calendar="XNYS")

    assert list(out.time) == [utc("2012-11-19")]
    assert out.open[0] == goog.open[start] and out.close[0] == goog.close[start + 3]
    assert out.volume[0] == goog.volume[start:start + 4].sum()
    assert utc("2012-11-22") not in set(week.time)


def test_a_forming_bucket_is_left_out():
    rows = [(f"2018-01-08 {h:02d}:00", 1, 1, 1, 1, 1) for h in range(2, 8)]

    out = resample(bars_from(rows), target=Timeframe.H4, calendar="FOREX", now=utc("2018-01-08 08:00"))

    assert list(out.time) == [utc("2018-01-08 02:00")]
