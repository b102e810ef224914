"""The engine gives every pair it computes its state at the newest closed bar, signal or not, and the
state is what the full-history formulas give at that bar."""

import math

import numpy as np

from market.arrays import BarArrays, InstrumentSpec
from market.resample import resample
from market.synthetic import synthetic_bars
from market.timeframes import Timeframe
from signals.engine import indicators as ind
from signals.engine.analysis import analyse, analyse_many
from signals.engine.confluence import MIN_BARS, component_votes, scores
from signals.engine.regime import regime_at_last, regimes, regimes_at_last
from signals.engine.strategy import COMPONENTS, DEFAULT_CONFLUENCE, StrategyConfig
from tests.market.conftest import FIXTURES

STRATEGY = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)
EURUSD = InstrumentSpec("EURUSD", "forex", 0.00001, 5, 0.0001, 100_000)
CRYPTO = InstrumentSpec("SYN", "crypto", 0.01, 2)


def _items():
    """Synthetic histories of one length (one batch), real EURUSD of several lengths with its H4, and a warm-up."""
    eurusd = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    items = [(f"syn{seed}", synthetic_bars(count=300, seed=seed), CRYPTO, None) for seed in range(8)]
    for t in (80, 640, 1201):
        bars = eurusd.upto(t)
        items.append((f"eurusd{t}", bars, EURUSD, resample(bars, target=Timeframe.H4, calendar="FOREX",
                                                           now=int(bars.time[-1]))))
    return [*items, ("short", eurusd.upto(MIN_BARS - 2), EURUSD, None)]


def test_every_pair_past_its_warm_up_has_a_state_whether_or_not_it_gave_a_signal():
    results = analyse_many(_items(), timeframe="H1", strategy=STRATEGY)

    assert results["short"].state is None and results["short"].draft is None
    computed = [analysis for key, analysis in results.items() if key != "short"]
    assert all(analysis.state is not None for analysis in computed)
    assert any(analysis.draft is None for analysis in computed)  # pairs without a signal have a state too
    assert any(analysis.draft is not None for analysis in computed)


def test_the_state_is_what_the_full_history_formulas_give_at_the_newest_bar():
    for key, bars, instrument, higher in _items()[:-1]:
        state = analyse_many([(key, bars, instrument, higher)], timeframe="H1", strategy=STRATEGY)[key].state

        full = component_votes(bars, Timeframe.H1, higher, pattern_weights=STRATEGY.pattern_weights)
        score, contributions = scores(full.votes, STRATEGY)
        context = full.context
        assert state.bar_time == int(bars.time[-1]) and state.close == bars.close[-1]
        assert state.change_pct == round((bars.close[-1] / bars.close[-2] - 1) * 100, 4)
        assert state.score == round(float(score[-1]), 6)
        assert state.rsi == round(float(ind.rsi(bars.close, 14)[-1]), 2)
        assert state.atr_pct == round(float(ind.atr(bars.high, bars.low, bars.close, 14)[-1] / bars.close[-1] * 100), 4)
        assert state.regime == regimes(bars.close, context["adx"], context["atr"], context["sma50"])[-1]
        assert state.higher_trend == {1.0: "up", -1.0: "down", 0.0: ""}[context["higher_trend"][-1]]
        assert state.contributions == {name: round(float(c), 6) for name, c in zip(COMPONENTS, contributions[-1],
                                                                                   strict=True)}
        assert math.isclose(sum(state.contributions.values()), state.score, abs_tol=1e-5)
        expected_leaning = "neutral" if abs(score[-1]) < STRATEGY.threshold else ("long" if score[-1] > 0 else "short")
        assert state.leaning == expected_leaning


def test_the_higher_timeframe_trend_is_unknown_without_higher_bars_and_known_with_them():
    results = analyse_many(_items(), timeframe="H1", strategy=STRATEGY)

    assert results["syn0"].state.higher_trend == ""
    assert {results[f"eurusd{t}"].state.higher_trend for t in (640, 1201)} <= {"up", "down"}


def test_a_pair_with_a_signal_has_the_signals_score_regime_and_direction_in_its_state():
    results = analyse_many(_items(), timeframe="H1", strategy=STRATEGY)

    with_signal = [analysis for analysis in results.values() if analysis.draft is not None]
    assert with_signal
    for analysis in with_signal:
        draft, state = analysis.draft, analysis.state
        assert (state.score, state.regime, state.contributions) == (draft.score, draft.regime, draft.contributions)
        assert state.leaning == {"BUY": "long", "SELL": "short"}[draft.direction]


def test_analyse_still_answers_the_draft_alone():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").upto(1201)

    assert analyse(bars, instrument=EURUSD, timeframe="H1", strategy=STRATEGY) == \
        analyse_many([("k", bars, EURUSD, None)], timeframe="H1", strategy=STRATEGY)["k"].draft


def test_a_flat_history_has_a_state_with_an_undefined_score_and_no_signal():
    flat = BarArrays(np.arange(200, dtype=np.int64) * 3600, *(np.full(200, 1.5) for _ in range(4)),
                     np.full(200, 10.0))

    analysis = analyse_many([("flat", flat, CRYPTO, None)], timeframe="H1", strategy=STRATEGY)["flat"]

    assert analysis.draft is None
    assert analysis.state.score is None and analysis.state.leaning == "neutral"
    assert analysis.state.change_pct == 0.0 and analysis.state.atr_pct == 0.0
    assert None in analysis.state.contributions.values()


def test_the_batched_newest_regimes_equal_each_history_computed_alone():
    eurusd = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    histories = []
    for end in (70, 99, 100, 101, 640, 641, 1201, 1500):  # shorter and longer than the ATR rank's window
        bars = eurusd.upto(end)
        context = component_votes(bars, Timeframe.H1).context
        histories.append((bars.close, context["adx"], context["atr"], context["sma50"]))

    batched = regimes_at_last(histories)

    assert batched == [regime_at_last(*history) for history in histories]
    assert len(set(batched)) >= 2  # not one regime everywhere, so the comparison means something
