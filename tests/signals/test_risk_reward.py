"""Targets and risk/reward: what a subscriber is offered and what it pays, from explicit levels."""

import math

import numpy as np

from market.arrays import InstrumentSpec
from market.synthetic import synthetic_bars
from signals.engine.analysis import analyse
from signals.engine.key_levels import Level
from signals.engine.levels import levels_for
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)  # stop 1.5 ATR, targets 1R, 2R, 3R
STOCK = InstrumentSpec("TEST", "stock", 0.01, 2)
NO_SWING = math.nan


def plan(direction, *, close=100.0, atr=2.0, levels=()):
    return levels_for(direction=direction, close=close, atr=atr, swing_low=NO_SWING, swing_high=NO_SWING,
                      instrument=STOCK, strategy=STRATEGY, key_levels=levels)


def implied_risk_reward(levels) -> float:
    """What a subscriber computes from the page: mean distance to the three targets over the distance to the stop."""
    rewards = [abs(target - levels.entry) for target in levels.targets]
    return round(sum(rewards) / 3 / abs(levels.entry - levels.stop), 2)


def test_with_no_key_level_in_the_way_the_targets_are_1_2_and_3_r_and_the_plan_pays_2_r():
    buy, sell = plan("BUY"), plan("SELL")

    assert (buy.entry, buy.stop, buy.targets, buy.risk_reward) == (100.0, 97.0, (103.0, 106.0, 109.0), 2.0)
    assert (sell.entry, sell.stop, sell.targets, sell.risk_reward) == (100.0, 103.0, (97.0, 94.0, 91.0), 2.0)


def test_a_resistance_of_two_swings_within_reach_pulls_a_buy_target_in_and_lowers_the_risk_reward():
    levels = [Level(104.9, 2), Level(108.0, 1), Level(95.0, 5)]  # one-swing 108 and the support below do not count

    buy = plan("BUY", levels=levels)

    assert buy.targets == (103.0, 104.9, 109.0)  # target 2 (reach 4.5..6 above the entry) waits at 104.90
    assert buy.risk_reward == implied_risk_reward(buy) == round((3 + 4.9 + 9) / 3 / 3, 2) == 1.88
    assert buy.distances["targets_ticks"] == [300, 490, 900]


def test_a_support_of_two_swings_within_reach_pulls_a_sell_target_in():
    sell = plan("SELL", levels=[Level(95.5, 3), Level(98.2, 2)])

    assert sell.targets == (98.2, 95.5, 91.0)  # 98.20 is 1.8 below: within target 1's reach (1.5..3)
    assert sell.risk_reward == implied_risk_reward(sell) == round((1.8 + 4.5 + 9) / 3 / 3, 2) == 1.7


def test_a_level_nearer_than_half_the_risk_leaves_target_1_at_1_r():
    buy = plan("BUY", levels=[Level(101.2, 4)])

    assert buy.targets[0] == 103.0 and buy.risk_reward == 2.0


def test_the_risk_reward_equals_what_the_rounded_prices_imply_on_real_signals():
    bars = synthetic_bars(count=900, seed=11)
    crypto = InstrumentSpec("SYN", "crypto", 0.01, 2)
    drafts = [d for t in range(300, 900, 3)
              if (d := analyse(bars.upto(t), instrument=crypto, timeframe="H1", strategy=STRATEGY))]

    assert {d.direction for d in drafts} == {"BUY", "SELL"}
    assert any(d.risk_reward < 2.0 for d in drafts)  # some targets were pulled in by key levels
    for draft in drafts:
        rewards = [abs(t - draft.entry) for t in draft.targets]
        assert draft.risk_reward == round(sum(rewards) / 3 / abs(draft.entry - draft.stop), 2)
        assert 1.5 <= draft.risk_reward <= 2.0


def test_a_sell_whose_targets_would_reach_zero_gets_no_levels():
    assert plan("SELL", close=1.0, atr=0.3) is None  # risk 0.45: target 3 would be at -0.35


def test_no_input_makes_a_nan_or_an_infinity():
    rng = np.random.default_rng(5)
    awkward = [math.nan, math.inf, -math.inf, 0.0, -1.0, 1e-12, 1e12]
    for _ in range(3000):
        close, atr, swing = (rng.choice(awkward) if rng.random() < 0.2 else float(rng.uniform(0.01, 500))
                             for _ in range(3))
        levels = [Level(float(rng.choice(awkward)) if rng.random() < 0.2 else float(rng.uniform(0.01, 600)),
                        int(rng.integers(1, 5))) for _ in range(int(rng.integers(0, 6)))]
        for direction in ("BUY", "SELL"):
            result = levels_for(direction=direction, close=close, atr=atr, swing_low=swing, swing_high=swing,
                                instrument=STOCK, strategy=STRATEGY, key_levels=levels)
            if result is None:
                continue
            numbers = [result.entry, result.stop, *result.targets, result.risk_reward, result.position_size_fraction,
                       *(v for value in result.distances.values() for v in np.ravel(value))]
            assert all(math.isfinite(n) for n in numbers), (close, atr, swing, levels)
            assert result.risk_reward > 0 and min(result.targets) > 0


def test_a_level_that_rounds_onto_the_entry_leaves_the_target_at_its_r_multiple():
    quarter = InstrumentSpec("QTR", "future", 0.25, 2)  # a tick of 0.25: every price here is exact
    # Risk 1 tick (0.25); the support 0.125 below is within target 1's reach but rounds up onto the entry.
    sell = levels_for(direction="SELL", close=100.0, atr=0.2, swing_low=NO_SWING, swing_high=NO_SWING,
                      instrument=quarter, strategy=STRATEGY, key_levels=[Level(99.875, 2)])

    assert (sell.stop, sell.targets, sell.risk_reward) == (100.25, (99.75, 99.5, 99.25), 2.0)
