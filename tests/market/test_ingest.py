from datetime import UTC, datetime

import numpy as np

from market.arrays import BarArrays
from market.models import Bar, QuarantinedBar
from market.services import bars_ingest
from tests.market.conftest import FIXTURES, bars_from


def test_reimporting_the_same_bars_changes_nothing(goog):
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")

    first = bars_ingest(instrument=goog, timeframe="D1", bars=bars, source="test")
    second = bars_ingest(instrument=goog, timeframe="D1", bars=bars, source="test")

    assert (first.stored, second.stored) == (2148, 0)
    assert Bar.objects.filter(instrument=goog, timeframe="D1").count() == 2148


def test_a_corrected_bar_in_a_long_reimport_replaces_the_stored_one_alone(goog):
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    bars_ingest(instrument=goog, timeframe="D1", bars=bars, source="test")
    close = bars.close.copy()
    close[100] += 1.0
    bars = BarArrays(bars.time, bars.open, np.maximum(bars.high, close), bars.low, close, bars.volume)

    report = bars_ingest(instrument=goog, timeframe="D1", bars=bars, source="test")

    assert report.stored == 1
    stored = Bar.objects.get(instrument=goog, timeframe="D1", time=datetime.fromtimestamp(int(bars.time[100]), tz=UTC))
    assert stored.close == bars.close[100]


def test_a_corrected_bar_replaces_the_stored_one(goog):
    bars_ingest(instrument=goog, timeframe="D1", bars=bars_from([("2024-01-02", 100, 101, 99, 100.5, 1000)]),
                source="test")

    report = bars_ingest(instrument=goog, timeframe="D1",
                         bars=bars_from([("2024-01-02", 100, 101, 99, 100.7, 1200)]), source="test")

    assert report.stored == 1
    bar = Bar.objects.get(instrument=goog)
    assert (bar.close, bar.volume) == (100.7, 1200)


def test_bad_bars_are_quarantined_with_reason_and_source_and_good_ones_stored(goog):
    report = bars_ingest(instrument=goog, timeframe="D1", bars=bars_from([
        ("2024-01-02", 100, 101, 99, 100.5, 1000), ("2024-01-03", 100, 99, 101, 100, 1000),
        ("2024-01-04", 100, 101, 99, 100, -3)]), source="vendor-x")

    assert (report.stored, report.quarantined) == (1, 2)
    assert report.reasons == {"high_below_low": 1, "negative_volume": 1}
    assert set(QuarantinedBar.objects.values_list("reason", "source")) == {("high_below_low", "vendor-x"),
                                                                          ("negative_volume", "vendor-x")}
    assert QuarantinedBar.objects.get(reason="negative_volume").raw["volume"] == -3.0
    assert Bar.objects.count() == 1
