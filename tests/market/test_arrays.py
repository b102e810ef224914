from pathlib import Path

import numpy as np

from market.arrays import BarArrays
from market.timeframes import Timeframe

FIXTURES = Path(__file__).resolve().parents[2] / "market" / "fixtures"


def test_bundled_goog_history_loads_as_increasing_utc_epoch_seconds():
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")

    assert len(bars) == 2148
    assert bars.time[0] == 1092873600  # 2004-08-19 00:00 UTC
    assert np.all(np.diff(bars.time) > 0)
    assert bars.close.dtype == np.float64


def test_upto_keeps_only_what_was_known_at_that_bar():
    bars = BarArrays.from_csv(FIXTURES / "BTCUSD_MN1.csv")

    known = bars.upto(9)

    assert len(known) == 10
    assert known.close[-1] == bars.close[9]
    assert len(bars.tail(5)) == 5 and bars.tail(5).time[-1] == bars.time[-1]


def test_where_keeps_the_bars_of_a_mask_with_every_column_in_step():
    bars = BarArrays.from_csv(FIXTURES / "BTCUSD_MN1.csv")
    rising = bars.close > bars.open

    kept = bars.where(rising)

    assert len(kept) == int(rising.sum()) and 0 < len(kept) < len(bars)
    assert np.all(kept.close > kept.open)
    for column in ("time", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(kept, column), getattr(bars, column)[rising])
    assert len(bars.where(np.zeros(len(bars), dtype=bool))) == 0


def test_each_timeframe_knows_its_length_and_higher_timeframe():
    assert Timeframe.H1.seconds == 3600
    assert Timeframe.H1.higher is Timeframe.H4
    assert Timeframe.MN1.higher is None
