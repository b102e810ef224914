import numpy as np
import pytest

from market.arrays import BarArrays
from market.validation import validate_bars
from tests.market.conftest import FIXTURES, bars_from

GOOD = [("2024-01-02", 100, 101, 99, 100.5, 1000), ("2024-01-03", 100.5, 102, 100, 101, 1100),
        ("2024-01-04", 101, 103, 100.5, 102, 900)]


def _issues(rows, **kwargs):
    bars = bars_from(rows)
    return [(i.index, i.reason) for i in validate_bars(bars.time, bars.open, bars.high, bars.low, bars.close,
                                                       bars.volume, **kwargs)]


@pytest.mark.parametrize(("bad_row", "reason"), [
    (("2024-01-05", np.nan, 103, 101, 102, 900), "non_finite"),
    (("2024-01-05", 102, np.inf, 101, 102, 900), "non_finite"),
    (("2024-01-05", 102, 103, 101, 102, np.nan), "non_finite"),
    (("2024-01-05", 0, 103, 101, 102, 900), "non_positive_price"),
    (("2024-01-05", 102, 103, -1, 102, 900), "non_positive_price"),
    (("2024-01-05", 102, 100, 103, 102, 900), "high_below_low"),
    (("2024-01-05", 104, 103, 101, 102, 900), "open_outside_range"),
    (("2024-01-05", 102, 103, 101, 100, 900), "close_outside_range"),
    (("2024-01-05", 102, 103, 101, 102, -1), "negative_volume"),
    (("2024-01-04", 102, 103, 101, 102, 900), "duplicate_time"),
    (("2024-01-01", 102, 103, 101, 102, 900), "out_of_order"),
])
def test_each_rule_catches_its_bad_bar_and_only_it(bad_row, reason):
    assert _issues([*GOOD, bad_row]) == [(3, reason)]


def test_a_spike_far_beyond_the_atr_is_caught():
    rows = [(f"2024-01-{d:02d}", 100, 101, 99, 100, 1000) for d in range(1, 21)]
    rows.append(("2024-01-21", 100, 1000, 99, 950, 1000))  # a price off by a factor of ten

    assert _issues(rows) == [(20, "spike")]


def test_the_spike_multiple_is_configurable():
    rows = [(f"2024-01-{d:02d}", 100, 101, 99, 100, 1000) for d in range(1, 21)]
    rows.append(("2024-01-21", 100, 108, 99, 107, 1000))  # a range of 9 against an ATR of 2: 4.5 x

    assert _issues(rows) == []
    assert _issues(rows, spike_atr_multiple=4) == [(20, "spike")]


@pytest.mark.parametrize("name", ["GOOG_D1.csv", "EURUSD_H1.csv", "BTCUSD_MN1.csv", "SPX_D1.csv", "IXIC_D1.csv"])
def test_the_bundled_real_history_passes_every_rule(name):
    bars = BarArrays.from_csv(FIXTURES / name)

    assert validate_bars(bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume) == []
