import numpy as np
import pandas as pd

from market.arrays import BarArrays
from signals.engine.patterns import candle_patterns, pattern_vote
from signals.engine.regime import forex_sessions, regimes
from signals.engine.structure import (
    fair_value_gaps,
    last_known_swings,
    order_blocks,
    structure_events,
    swing_points,
)
from tests.market.conftest import FIXTURES

HIGH = np.array([10, 11, 13, 12, 11, 12, 14, 15, 13, 12, 16], dtype=float)
LOW = HIGH - 2


def test_a_swing_is_marked_where_it_happened_but_known_only_right_bars_later():
    is_high, _ = swing_points(HIGH, LOW, left=2, right=2)
    known_high, _ = last_known_swings(HIGH, LOW, left=2, right=2)

    assert list(np.flatnonzero(is_high)) == [2, 7]
    assert np.isnan(known_high[3]) and known_high[4] == 13  # bar 2's swing, confirmed at bar 4
    assert known_high[8] == 13 and known_high[9] == 15


def test_swings_never_change_when_later_bars_arrive():
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")
    full_high, full_low = last_known_swings(bars.high, bars.low)
    for t in (50, 400, 1500):
        high, low = last_known_swings(bars.high[:t + 1], bars.low[:t + 1])
        np.testing.assert_array_equal(high, full_high[:t + 1])
        np.testing.assert_array_equal(low, full_low[:t + 1])


def test_a_break_with_the_trend_is_bos_and_against_it_is_a_change_of_character():
    close = np.array([10, 11, 12, 11, 10, 11, 12.5, 13.5, 12, 10, 9, 8, 7, 8, 9], dtype=float)
    high, low = close + 0.5, close - 0.5

    events = structure_events(high, low, close)

    assert 1 in events.event  # bullish BOS above the first swing high
    assert -2 in events.event  # then a bearish change of character below a swing low
    assert events.trend[-1] == -1


def test_fair_value_gaps_and_order_blocks():
    high = np.array([10, 11, 15, 16], dtype=float)
    low = np.array([9, 10, 12, 14], dtype=float)
    assert list(fair_value_gaps(high, low)) == [0, 0, 1, 1]

    open_ = np.array([10, 11, 10.5, 11, 13], dtype=float)
    close = np.array([11, 10.5, 11, 13, 14], dtype=float)
    from signals.engine.structure import StructureEvents

    events = StructureEvents(event=np.array([0, 0, 0, 1, 0], dtype=np.int8), trend=np.zeros(5, dtype=np.int8),
                             swing_high=np.full(5, np.nan), swing_low=np.full(5, np.nan))
    bullish, bearish = order_blocks(open_, close, events)
    assert bullish[3] == 1 and bullish[4] == 1 and bearish[-1] == -1  # the down candle before the break


def test_candlestick_patterns_on_constructed_candles():
    #                 down engulfed by up | hammer | doji | shooting star
    open_ = np.array([10.0, 9.5, 10.0, 10.0, 10.0])
    close = np.array([9.6, 10.2, 10.1, 10.01, 9.9])
    high = np.array([10.1, 10.3, 10.15, 10.5, 10.6])
    low = np.array([9.5, 9.4, 9.5, 9.5, 9.85])

    p = candle_patterns(open_, high, low, close)

    assert p["bullish_engulfing"][1] and not p["bearish_engulfing"].any()
    assert p["hammer"][2] and p["doji"][3] and p["shooting_star"][4]
    assert pattern_vote(p)[1] == 1 and pattern_vote(p)[4] == -1


def test_a_morning_star_completes_on_its_third_candle():
    open_ = np.array([12.0, 10.1, 10.2])
    close = np.array([10.0, 10.0, 11.5])
    high, low = np.maximum(open_, close) + 0.1, np.minimum(open_, close) - 0.1

    assert list(candle_patterns(open_, high, low, close)["morning_star"]) == [False, False, True]


def test_regimes_name_trends_ranges_and_volatility():
    n = 300
    close = np.linspace(100, 200, n)
    adx = np.full(n, 30.0)
    atr = np.full(n, 1.0)
    sma = pd.Series(close).rolling(50).mean().to_numpy()

    out = regimes(close, adx, atr, sma)
    assert out[-1] == "trending_up"
    assert regimes(close[::-1].copy(), adx, atr, pd.Series(close[::-1]).rolling(50).mean().to_numpy())[-1] == \
        "trending_down"
    assert regimes(close, np.full(n, 15.0), atr, sma)[-1] == "ranging"
    spike = atr.copy()
    spike[-1] = 5.0
    assert regimes(close, adx, spike, sma)[-1] == "volatile"


def test_forex_sessions_follow_local_time_through_daylight_saving():
    # 2018-01-10 13:00 UTC: London (13:00 GMT) and New York (08:00 EST) overlap.
    # 2018-07-10 12:00 UTC: London 13:00 BST, New York 08:00 EDT: overlap too; Tokyo closed.
    times = np.array([pd.Timestamp("2018-01-10 13:00", tz="UTC").timestamp(),
                      pd.Timestamp("2018-07-10 12:00", tz="UTC").timestamp(),
                      pd.Timestamp("2018-01-10 02:00", tz="UTC").timestamp()], dtype=np.int64)

    sessions = forex_sessions(times)

    assert list(sessions["london"]) == [True, True, False]
    assert list(sessions["new_york"]) == [True, True, False]
    assert list(sessions["asia"]) == [False, False, True]


def _structure_events_loop(high, low, close):
    """The rule read bar by bar, the reference for the vectorised version."""
    swing_high, swing_low = last_known_swings(high, low)
    events, trends, state = [], [], 0
    high_broken = low_broken = False
    for t, price in enumerate(close):
        if t and swing_high[t] != swing_high[t - 1]:
            high_broken = False  # a new swing level may break again
        if t and swing_low[t] != swing_low[t - 1]:
            low_broken = False
        event = 0
        if price > swing_high[t] and not high_broken:
            event, state, high_broken = (1 if state >= 0 else 2), 1, True
        elif price < swing_low[t] and not low_broken:
            event, state, low_broken = (-1 if state <= 0 else -2), -1, True
        events.append(event)
        trends.append(state)
    return np.array(events), np.array(trends)


def test_vectorised_structure_events_equal_the_bar_by_bar_rule_on_real_and_synthetic_data():
    from market.synthetic import synthetic_bars

    series = [BarArrays.from_csv(FIXTURES / name) for name in ("GOOG_D1.csv", "EURUSD_H1.csv", "BTCUSD_MN1.csv")]
    series += [synthetic_bars(count=2000, seed=seed) for seed in range(5)]
    for bars in series:
        events = structure_events(bars.high, bars.low, bars.close)
        expected_events, expected_trend = _structure_events_loop(bars.high, bars.low, bars.close)
        assert (events.event != 0).sum() > 3
        np.testing.assert_array_equal(events.event, expected_events)
        np.testing.assert_array_equal(events.trend, expected_trend)


def test_the_regime_of_the_newest_bar_equals_the_full_history_computation():
    from signals.engine import indicators as ind
    from signals.engine.regime import regime_at_last

    for name in ("GOOG_D1.csv", "EURUSD_H1.csv"):
        bars = BarArrays.from_csv(FIXTURES / name)
        adx, _, _ = ind.adx(bars.high, bars.low, bars.close)
        atr, sma50 = ind.atr(bars.high, bars.low, bars.close), ind.sma(bars.close, 50)
        full = regimes(bars.close, adx, atr, sma50)
        for t in range(60, len(bars), 97):
            end = t + 1
            assert regime_at_last(bars.close[:end], adx[:end], atr[:end], sma50[:end]) == full[t]
        assert len(set(full[60:])) == 4  # every regime occurs, so the comparison means something
