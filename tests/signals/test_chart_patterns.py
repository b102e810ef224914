"""Chart pattern detectors: hand-built series with a known answer, and no repainting on the bundled data."""

import itertools

import numpy as np
import pytest

from market.arrays import BarArrays
from market.providers.bundled import FIXTURES
from signals.engine import indicators as ind
from signals.engine.chart_patterns import SPAN, chart_pattern_vote, chart_patterns, swing_points


def _bars(waypoints, *, noise=0.15, volume=None):
    """Closes along straight lines through (bar, price) waypoints; each bar's range is its move plus noise."""
    closes = []
    for (a, pa), (b, pb) in itertools.pairwise(waypoints):
        closes += list(np.linspace(pa, pb, b - a + 1))[:-1]
    closes.append(waypoints[-1][1])
    close = np.array(closes)
    open_ = np.r_[close[0], close[:-1]]
    high, low = np.maximum(open_, close) + noise, np.minimum(open_, close) - noise
    rng = np.random.default_rng(0)
    vol = rng.uniform(900, 1100, len(close)) if volume is None else volume(len(close))
    return high, low, close, vol, ind.atr(high, low, close, 14)


def _found(waypoints, **kwargs):
    return [(p.name, p.direction, p.confirmed_at) for p in chart_patterns(*_bars(waypoints, **kwargs))]


@pytest.mark.parametrize(("waypoints", "name", "direction", "after"), [
    ([(0, 110), (30, 100), (40, 106), (50, 96), (60, 106.2), (70, 100.2), (85, 109)],
     "inverse_head_and_shoulders", 1, 70),
    ([(0, 90), (30, 100), (40, 94), (50, 104), (60, 93.8), (70, 99.8), (85, 91)], "head_and_shoulders", -1, 70),
    ([(0, 90), (30, 100), (42, 94), (54, 100.2), (70, 90)], "double_top", -1, 54),
    ([(0, 110), (30, 100), (42, 106), (54, 99.8), (70, 110)], "double_bottom", 1, 54),
    ([(0, 90), (30, 100), (40, 95), (50, 100.2), (60, 95.3), (70, 99.9), (85, 90)], "triple_top", -1, 70),
    ([(0, 110), (30, 100), (40, 105), (50, 99.8), (60, 104.7), (70, 100.1), (85, 110)], "triple_bottom", 1, 70),
    ([(0, 95), (20, 100), (30, 94), (40, 100.1), (48, 97), (56, 100), (62, 98.5), (75, 105)],
     "ascending_triangle", 1, 56),
    ([(0, 105), (20, 100), (30, 106), (40, 99.9), (48, 103), (56, 100), (62, 101.5), (75, 95)],
     "descending_triangle", -1, 56),
    ([(0, 92), (20, 100), (30, 92), (40, 98), (48, 94), (56, 96.5), (70, 102)], "symmetrical_triangle", 1, 48),
    ([(0, 90), (20, 100), (30, 96), (40, 103), (50, 101), (60, 105), (70, 98)], "rising_wedge", -1, 60),
    ([(0, 110), (20, 100), (30, 104), (40, 97), (50, 99), (60, 95), (70, 102)], "falling_wedge", 1, 60),
    ([(0, 90), (20, 100), (30, 95), (45, 105), (55, 100), (70, 110), (80, 105), (90, 100)],
     "ascending_channel", -1, 80),
    ([(0, 100), (40, 100), (50, 112), (56, 110), (60, 111.5), (66, 109.5), (70, 111), (78, 116)], "bull_flag", 1, 66),
    ([(0, 112), (40, 112), (50, 100), (56, 103), (60, 101), (64, 102.4), (68, 101.5), (76, 96)],
     "bear_pennant", -1, 64),
    ([(0, 101), (10, 104), (20, 100), (30, 108), (40, 102), (50, 113), (60, 104), (70, 118), (90, 95)],
     "support_break", -1, 70),
])
def test_each_pattern_is_found_once_confirmed_by_its_breakout_and_nothing_else(waypoints, name, direction, after):
    found = _found(waypoints)

    assert [(n, d) for n, d, _ in found] == [(name, direction)]
    assert after < found[0][2] <= waypoints[-1][0]


def test_an_inverse_head_and_shoulders_says_its_neckline_and_carries_its_geometry():
    high, low, close, volume, atr = _bars([(0, 110), (30, 100), (40, 106), (50, 96), (60, 106.2), (70, 100.2),
                                           (85, 109)])
    (pattern,) = chart_patterns(high, low, close, volume, atr)
    times = np.arange(len(close)) * 14400

    assert [i for i, _ in pattern.points] == [30, 40, 50, 60, 70]  # shoulder, neck, head, neck, shoulder
    assert pattern.lines["neckline"] == ((40, pytest.approx(106.15)), (60, pytest.approx(106.35)))
    assert close[pattern.confirmed_at] > pattern.level > close[pattern.confirmed_at - 1]
    assert pattern.describe("H4", 4).startswith(f"Inverse head and shoulders confirmed on H4, neckline "
                                                f"{pattern.level:.4f}")
    drawn = pattern.geometry(times, "H4")
    assert drawn["points"][2] == [50 * 14400, pytest.approx(95.85)] and drawn["direction"] == "up"
    assert drawn["lines"]["neckline"][0] == [40 * 14400, pytest.approx(106.15)]


def test_a_pattern_that_never_breaks_out_is_not_reported():
    # A double top whose price drifts sideways above the neckline until the wait is over.
    assert _found([(0, 90), (30, 100), (42, 94), (54, 100.2), (62, 96), (100, 96.5)]) == []


def test_a_top_cancelled_by_a_close_above_its_peak_is_not_reported():
    assert _found([(0, 90), (30, 100), (42, 94), (54, 100.2), (60, 103), (75, 92)]) == []


def test_volume_confirms_a_breakout_on_high_volume_and_is_unknown_without_meaningful_volume():
    waypoints = [(0, 90), (30, 100), (42, 94), (54, 100.2), (70, 90)]
    (plain,) = chart_patterns(*_bars(waypoints))

    def spike(n):
        volume = np.random.default_rng(1).uniform(900, 1100, n)
        volume[plain.confirmed_at] = 5000
        return volume

    (spiked,) = chart_patterns(*_bars(waypoints, volume=spike))
    (flat,) = chart_patterns(*_bars(waypoints, volume=lambda n: np.zeros(n)))

    assert plain.volume_confirmed is False and spiked.volume_confirmed is True and flat.volume_confirmed is None
    assert "on rising volume" in spiked.describe("D1", 2)


def test_the_vote_follows_each_pattern_for_three_bars_by_its_weight_halved_without_volume():
    high, low, close, volume, atr = _bars([(0, 90), (30, 100), (42, 94), (54, 100.2), (70, 90)])
    patterns = chart_patterns(high, low, close, volume, atr)
    t = patterns[0].confirmed_at

    vote = chart_pattern_vote(patterns, len(close), {"double_top": 0.8})

    assert vote[t - 1] == 0 and vote[t:t + 3].tolist() == [-0.4] * 3 and vote[t + 3] == 0


def test_swing_points_are_known_only_once_order_bars_have_closed_after_them():
    high = np.array([1, 2, 3, 9, 3, 2, 1, 2.0])
    highs, _ = swing_points(high, high - 1, order=3)
    assert highs.tolist() == [3]
    assert swing_points(high[:6], high[:6] - 1, order=3)[0].tolist() == []


@pytest.mark.parametrize("filename", ["EURUSD_H1.csv", "GOOG_D1.csv", "BTCUSD_MN1.csv"])
def test_no_pattern_repaints_on_the_bundled_data(filename):
    bars = BarArrays.from_csv(FIXTURES / filename)
    h, lo, c, v = bars.high, bars.low, bars.close, bars.volume
    atr = ind.atr(h, lo, c, 14)
    full = chart_patterns(h, lo, c, v, atr)
    assert len(full) >= 3 if len(bars) > 1000 else True

    for t in np.linspace(80, len(bars) - 1, 25, dtype=int):
        upto = slice(0, t + 1)
        seen = chart_patterns(h[upto], lo[upto], c[upto], v[upto], ind.atr(h[upto], lo[upto], c[upto], 14))
        assert seen == [p for p in full if p.confirmed_at <= t], t


def test_the_newest_bars_alone_give_the_newest_vote_of_the_full_history():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    h, lo, c, v = bars.high, bars.low, bars.close, bars.volume
    atr = ind.atr(h, lo, c, 14)
    full = chart_pattern_vote(chart_patterns(h, lo, c, v, atr), len(c), {})
    for t in range(SPAN + 50, len(c), 97):
        s = slice(t + 1 - SPAN, t + 1)
        tail = chart_patterns(h[s], lo[s], c[s], v[s], atr[s], start=SPAN - 3)
        assert chart_pattern_vote(tail, SPAN, {})[-1] == full[t], t
