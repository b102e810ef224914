import numpy as np
import pytest

from market.arrays import BarArrays
from signals.engine.outcomes import SignalLevels, evaluate

BUY = SignalLevels(direction="BUY", entry=100.0, stop=98.0, targets=(103.0, 106.0, 109.0), bar_time=0, valid_bars=5)
SELL = SignalLevels(direction="SELL", entry=100.0, stop=102.0, targets=(97.0, 94.0, 91.0), bar_time=0, valid_bars=5)


def _bars(rows):
    """rows of (open, high, low, close); bar i opens at time i * 3600, bar 0 is the signal's bar."""
    opens, highs, lows, closes = (np.array(col, dtype=float) for col in zip(*rows, strict=True))
    return BarArrays(np.arange(len(rows), dtype=np.int64) * 3600, opens, highs, lows, closes, np.ones(len(rows)))


def test_target_one_hit_scores_the_reward_over_the_risk():
    outcome = evaluate(BUY, _bars([(100, 100, 100, 100), (100, 101, 99.5, 101), (101, 103.5, 100.5, 103)]))

    assert (outcome.result, outcome.r_multiple, outcome.bars_held) == ("target_1", 1.5, 2)
    assert outcome.mfe_r == pytest.approx(1.75) and outcome.mae_r == pytest.approx(-0.25)


def test_a_bar_touching_both_stop_and_target_counts_as_the_stop():
    outcome = evaluate(BUY, _bars([(100, 100, 100, 100), (100, 104, 97.5, 101)]))

    assert (outcome.result, outcome.r_multiple, outcome.target_1_hit) == ("stop", -1.0, False)


def test_a_gap_through_the_stop_exits_at_the_open_worse_than_the_stop():
    outcome = evaluate(SELL, _bars([(100, 100, 100, 100), (104, 105, 103, 104.5)]))

    assert outcome.result == "stop" and outcome.exit_price == 104 and outcome.r_multiple == -2.0


def test_reaching_several_targets_in_one_bar_counts_them():
    outcome = evaluate(SELL, _bars([(100, 100, 100, 100), (99, 99.5, 93.5, 94)]))

    assert (outcome.result, outcome.targets_hit, outcome.r_multiple) == ("target_2", 2, 1.5)


def test_no_barrier_within_the_validity_expires_at_the_last_close():
    rows = [(100, 100, 100, 100)] + [(100, 101, 99, 100.5)] * 5
    outcome = evaluate(BUY, _bars(rows))

    assert (outcome.result, outcome.bars_held, outcome.exit_price, outcome.r_multiple) == ("expired", 5, 100.5, 0.25)


def test_a_signal_with_too_few_bars_after_it_is_still_open():
    assert evaluate(BUY, _bars([(100, 100, 100, 100), (100, 101, 99, 100.5)])) is None


def test_the_signal_bar_itself_never_decides():
    # The signal's own bar touched the stop; only later bars count.
    assert evaluate(BUY, _bars([(100, 104, 97, 100), (100, 101, 99, 100)])) is None
