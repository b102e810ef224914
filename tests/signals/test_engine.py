import math

import numpy as np
import pytest

from market.arrays import BarArrays, InstrumentSpec
from market.resample import resample
from market.timeframes import Timeframe
from signals.engine.analysis import analyse
from signals.engine.confluence import component_votes, higher_trend_vote, scores
from signals.engine.levels import levels_for, round_to_tick
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig, StrategyConfigError
from tests.market.conftest import FIXTURES

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
EURUSD = InstrumentSpec("EURUSD", "forex", 0.00001, 5, 0.0001, 100_000)
USDJPY = InstrumentSpec("USDJPY", "forex", 0.001, 3, 0.01, 100_000)
GOOG = InstrumentSpec("GOOG", "stock", 0.01, 2)


@pytest.mark.parametrize(("name", "timeframe"), [("GOOG_D1.csv", Timeframe.D1), ("EURUSD_H1.csv", Timeframe.H1)])
def test_no_look_ahead_the_newest_row_of_a_truncated_history_equals_that_row_of_the_full_history(name, timeframe):
    bars = BarArrays.from_csv(FIXTURES / name)
    higher = resample(bars, target=timeframe.higher, calendar="XNYS" if "GOOG" in name else "FOREX")
    full = component_votes(bars, timeframe, higher)
    full_score, _ = scores(full.votes, STRATEGY)
    for t in range(70, len(bars), 97):
        truncated = component_votes(bars.upto(t), timeframe, higher)
        score, _ = scores(truncated.votes, STRATEGY)
        np.testing.assert_array_equal(truncated.votes[-1], full.votes[t])
        assert score[-1] == full_score[t]


def test_the_higher_timeframe_counts_only_once_its_bar_has_closed():
    hourly = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").upto(999)
    four_hourly = resample(hourly, target=Timeframe.H4, calendar="FOREX")

    votes = higher_trend_vote(hourly, Timeframe.H1, four_hourly)
    # Truncating the higher timeframe to what had closed at each hourly close changes nothing.
    for t in (400, 555, 998):
        closed = four_hourly.time + Timeframe.H4.seconds <= hourly.time[t] + Timeframe.H1.seconds
        cut = four_hourly.upto(int(np.flatnonzero(closed)[-1]))
        assert higher_trend_vote(hourly.upto(t), Timeframe.H1, cut)[-1] == votes[t]


def test_a_signal_carries_finite_levels_rounded_to_the_tick_and_reasoning():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    drafts = [d for t in range(200, len(bars), 50)
              if (d := analyse(bars.upto(t), instrument=EURUSD, timeframe="H1", strategy=STRATEGY))]

    assert drafts
    for draft in drafts:
        values = [draft.entry, draft.stop, *draft.targets, draft.risk_reward, draft.position_size_fraction, draft.score]
        assert all(math.isfinite(v) for v in values)
        assert all(round_to_tick(v, EURUSD.tick_size) == v for v in [draft.entry, draft.stop, *draft.targets])
        side = 1 if draft.direction == "BUY" else -1
        assert side * (draft.targets[0] - draft.entry) > 0 > side * (draft.stop - draft.entry)
        assert draft.reasoning.endswith(".") and len(draft.reasoning) > 20
        assert abs(draft.score) >= STRATEGY.threshold
        assert draft.distances["stop_pips"] > 0


def test_no_signal_during_the_warm_up():
    bars = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv")

    assert analyse(bars.upto(40), instrument=GOOG, timeframe="D1", strategy=STRATEGY) is None


def test_a_jpy_pair_counts_pips_of_0_01_and_eurusd_of_0_0001():
    jpy = levels_for(direction="BUY", close=110.1234, atr=0.2, swing_low=math.nan, swing_high=math.nan,
                     instrument=USDJPY, strategy=STRATEGY)
    eur = levels_for(direction="SELL", close=1.23456, atr=0.002, swing_low=math.nan, swing_high=math.nan,
                     instrument=EURUSD, strategy=STRATEGY)

    assert (jpy.entry, jpy.stop, jpy.distances["stop_pips"]) == (110.123, 109.823, 30.0)
    assert (eur.entry, eur.stop, eur.distances["stop_pips"]) == (1.23456, 1.23756, 30.0)
    assert eur.targets == (1.23156, 1.22856, 1.22556)


def test_the_stop_sits_beyond_the_swing_when_that_is_within_bounds():
    levels = levels_for(direction="BUY", close=100.0, atr=2.0, swing_low=96.0, swing_high=math.nan,
                        instrument=GOOG, strategy=STRATEGY)

    assert levels.stop == 95.6  # swing 96 - 0.2 ATR (2 ATRs away: between 1.5 and 3)
    assert levels.position_size_fraction == pytest.approx(0.01 / (4.4 / 100), abs=1e-6)


def test_degenerate_levels_give_no_signal():
    assert levels_for(direction="BUY", close=100.0, atr=0.0, swing_low=math.nan, swing_high=math.nan,
                      instrument=GOOG, strategy=STRATEGY) is None
    assert levels_for(direction="BUY", close=100.0, atr=float("nan"), swing_low=math.nan, swing_high=math.nan,
                      instrument=GOOG, strategy=STRATEGY) is None


def test_a_bad_strategy_config_names_each_field():
    bad = {**DEFAULT_CONFLUENCE, "threshold": 1.5, "weights": {"trend": 1, "astrology": 2},
           "targets_r": [2, 1, 3], "timeframes": ["H2"]}

    with pytest.raises(StrategyConfigError) as error:
        StrategyConfig.from_dict(bad)

    assert set(error.value.fields) == {"threshold", "weights", "targets_r", "timeframes"}
    assert "astrology" in error.value.fields["weights"][0]
    assert StrategyConfig.from_dict(STRATEGY.to_dict()) == STRATEGY


def test_forex_drafts_carry_the_open_sessions_as_features_and_others_zeros():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    fx = next(d for t in range(300, 900, 7)
              if (d := analyse(bars.upto(t), instrument=EURUSD, timeframe="H1", strategy=STRATEGY)))
    crypto = InstrumentSpec("EURUSD-LIKE", "crypto", 0.00001, 5)  # the same prices, not forex
    stock = next(d for t in range(300, 900, 7)
                 if (d := analyse(bars.upto(t), instrument=crypto, timeframe="H1", strategy=STRATEGY)))

    from signals.engine.regime import forex_sessions

    open_now = forex_sessions(np.array([fx.bar_time]))
    assert [fx.features[f"session_{s}"] for s in ("asia", "london", "new_york")] == \
        [float(open_now[s][0]) for s in ("asia", "london", "new_york")]
    assert all(stock.features[f"session_{s}"] == 0.0 for s in ("asia", "london", "new_york"))


def test_the_live_batch_gives_each_instrument_the_draft_it_gets_alone_and_the_full_history_row():
    from market.synthetic import synthetic_bars
    from signals.engine.analysis import analyse_many
    from signals.engine.confluence import FEATURE_NAMES, feature_rows

    eurusd = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    crypto = InstrumentSpec("SYN", "crypto", 0.01, 2)
    # Equal lengths (one Supertrend batch), a different length, forex beside crypto, and a warm-up.
    items = [(f"syn{seed}", synthetic_bars(count=300, seed=seed), crypto, None) for seed in range(12)]
    items += [(f"eurusd{t}", eurusd.upto(t), EURUSD, None) for t in (299, 640, 1201)]
    items += [("short", eurusd.upto(30), EURUSD, None)]

    batch = {key: analysis.draft for key, analysis in analyse_many(items, timeframe="H1", strategy=STRATEGY).items()}

    assert batch["short"] is None and sum(d is not None for d in batch.values()) >= 3
    for key, bars, instrument, _ in items:
        alone = analyse(bars, instrument=instrument, timeframe="H1", strategy=STRATEGY)
        assert batch[key] == alone
        if alone is None:
            continue
        full = component_votes(bars, Timeframe.H1, pattern_weights=STRATEGY.pattern_weights)
        score, _ = scores(full.votes, STRATEGY)
        row = feature_rows(full.votes, score, bars.time, instrument.asset_class == "forex", full.context)[-1]
        assert alone.score == round(float(score[-1]), 6)
        assert alone.features == dict(zip(FEATURE_NAMES, row.tolist(), strict=True))
