import numpy as np

from market.arrays import BarArrays
from market.timeframes import Timeframe
from market.validation import gaps
from tests.market.conftest import FIXTURES, utc


def test_the_bundled_history_has_no_gap_its_calendar_does_not_explain():
    for name, calendar, timeframe in [("GOOG_D1.csv", "XNYS", Timeframe.D1), ("EURUSD_H1.csv", "FOREX", Timeframe.H1),
                                      ("BTCUSD_MN1.csv", "ALWAYS", Timeframe.MN1)]:
        bars = BarArrays.from_csv(FIXTURES / name)
        assert gaps(bars.time, calendar=calendar, timeframe=timeframe) == [], name


def test_a_missing_stock_session_is_a_gap_but_a_holiday_and_a_special_closure_are_not():
    # 2004-06-11 (Reagan's funeral) and the weekend are closed; 2004-06-15 is a normal session.
    times = np.array([utc("2004-06-10"), utc("2004-06-14"), utc("2004-06-16")])

    found = gaps(times, calendar="XNYS", timeframe=Timeframe.D1)

    assert [(g.after, g.before, g.missing) for g in found] == [(utc("2004-06-14"), utc("2004-06-16"), 1)]


def test_the_forex_weekend_and_christmas_are_not_gaps_but_a_missing_hour_is():
    # EST: Friday 17:00 New York is 22:00 UTC; Sunday 17:00 is 22:00 UTC.
    weekend = np.array([utc("2018-01-05 21:00"), utc("2018-01-07 22:00")])
    christmas = np.array([utc("2017-12-24 21:00"), utc("2017-12-25 22:00")])
    hole = np.array([utc("2018-01-08 10:00"), utc("2018-01-08 13:00")])

    assert gaps(weekend, calendar="FOREX", timeframe=Timeframe.H1) == []
    assert gaps(christmas, calendar="FOREX", timeframe=Timeframe.H1) == []
    assert gaps(hole, calendar="FOREX", timeframe=Timeframe.H1)[0].missing == 2
