import numpy as np

from market.synthetic import synthetic_bars
from market.validation import validate_bars


def test_synthetic_bars_are_reproducible_valid_and_have_gaps_and_regimes():
    bars = synthetic_bars(count=20_000, seed=7)
    again = synthetic_bars(count=20_000, seed=7)

    np.testing.assert_array_equal(bars.close, again.close)
    assert validate_bars(bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume) == []
    assert (np.diff(bars.time) > 3600).any()  # gaps
    returns = np.diff(np.log(bars.close))
    rolling = np.lib.stride_tricks.sliding_window_view(np.abs(returns), 200).mean(axis=1)
    assert rolling.max() > 2.5 * rolling.min()  # calm and volatile regimes
