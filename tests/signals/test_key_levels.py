import numpy as np
import pytest

from signals.engine.confluence import key_levels_note
from signals.engine.indicators import floor_pivots
from signals.engine.key_levels import (
    Level,
    last_swing_retracements,
    previous_session_pivots,
    support_resistance,
)


def test_each_bar_gets_the_floor_pivots_of_the_session_before_its_own():
    high = np.array([10.0, 12.0, 11.0, 20.0, 21.0, 19.0])
    low = np.array([9.0, 8.0, 9.5, 18.0, 17.0, 18.5])
    close = np.array([9.5, 11.0, 10.0, 19.0, 20.0, 18.8])
    session = np.array([1, 1, 1, 2, 2, 3])

    pivots = previous_session_pivots(high, low, close, session)

    assert np.isnan(pivots["pivot"][:3]).all()  # the first session has none before it
    first, second = floor_pivots(12.0, 8.0, 10.0), floor_pivots(21.0, 17.0, 20.0)
    for name in ("pivot", "r1", "s1", "r3", "s3"):
        assert pivots[name][3] == pivots[name][4] == pytest.approx(first[name])
        assert pivots[name][5] == pytest.approx(second[name])


def _swings(levels_high, levels_low, n=60):
    """Prices that zigzag between the given swing highs and lows, one swing every five bars."""
    high, low = np.full(n, 104.0), np.full(n, 103.0)
    for i, level in enumerate(levels_high):
        high[5 + 10 * i] = level
    for i, level in enumerate(levels_low):
        low[10 + 10 * i] = level
    return high, low


def test_support_and_resistance_are_the_nearest_clusters_of_confirmed_swings_around_the_close():
    high, low = _swings([110.0, 110.3, 107.0], [100.0, 100.2, 95.0])

    support, resistance = support_resistance(high, low, close=105.0, atr=1.0)

    assert support == Level(price=pytest.approx(100.1), touches=2)  # 100 and 100.2, within half an ATR
    assert resistance == Level(price=107.0, touches=1)  # nearer than the 110 pair
    assert support_resistance(high, low, close=115.0, atr=1.0)[1] is None
    # A swing in the newest `right` bars is not confirmed yet and does not count.
    high[-1] = 106.0
    assert support_resistance(high, low, close=105.0, atr=1.0)[1].price == 107.0


def test_old_resistance_below_the_price_becomes_support():
    high, low = _swings([110.0], [100.0])

    support, resistance = support_resistance(high, low, close=112.0, atr=1.0)

    assert support.price == 110.0 and resistance is None


def test_retracements_follow_the_direction_of_the_last_swing_leg():
    up_high, up_low = _swings([], [100.0])
    up_high[20] = 120.0  # the low (bar 10) comes first: a leg up from 100 to 120

    up = last_swing_retracements(up_high, up_low)
    assert up[0.5] == pytest.approx(110.0) and up[0.618] == pytest.approx(120 - 0.618 * 20)

    down_high, down_low = _swings([120.0], [])
    down_low[15] = 100.0  # the high (bar 5) comes first: a leg down, retracing up from 100
    down = last_swing_retracements(down_high, down_low)
    assert down[0.382] == pytest.approx(100 + 0.382 * 20)
    assert last_swing_retracements(np.full(30, 1.0), np.full(30, 0.5)) is None


def test_the_note_warns_when_a_level_stands_between_the_entry_and_target_1():
    note = key_levels_note(direction="BUY", entry=100.0, target_1=104.0, atr=2.0, support=Level(97.0, 3),
                           resistance=Level(102.5, 2), retracements={0.618: 100.3, 0.5: 101.0}, precision=2)

    assert note == ("Key levels: support 97.00 (3 swings), resistance 102.50 (2 swings); the resistance lies "
                    "before target 1; entry at the 61.8% retracement of the last swing (100.30).")
    quiet = key_levels_note(direction="SELL", entry=100.0, target_1=96.0, atr=2.0, support=Level(90.0, 4),
                            resistance=None, retracements=None, precision=1)
    assert quiet == "Key levels: support 90.0 (4 swings)."
