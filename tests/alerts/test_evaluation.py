"""The pure evaluation: each condition type on arrays, crosses at the exact value, eligibility (cooldown,
once, expiry) and the signal filters. No database."""

import numpy as np
import pytest

from alerts import evaluation, series
from alerts.evaluation import BarRules, SignalFacts, bar_rules_evaluate, rules_eligible, signal_rules_match
from market.arrays import BarArrays
from signals.engine import indicators

HOUR = 3600
NOW = 1_700_000_000.0


def bars_of(closes, volumes=None) -> BarArrays:
    closes = np.asarray(closes, dtype=np.float64)
    volumes = np.full(len(closes), 100.0) if volumes is None else np.asarray(volumes, dtype=np.float64)
    return BarArrays(np.arange(len(closes), dtype=np.int64) * HOUR, closes, closes + 0.5, closes - 0.5, closes,
                     volumes)


def rules(*rows) -> BarRules:
    """Rules from (left, op, right, value) rows, on instrument 1, active, never fired."""
    return BarRules.from_rows([(i + 1, 1, left, op, right, value, True, False, None, 0.0, None)
                               for i, (left, op, right, value) in enumerate(rows)])


def fired(closes, *rows, volumes=None) -> list[int]:
    """The rule ids (1 = the first row) that fire at the last of `closes`."""
    batch = rules(*rows)
    firings = bar_rules_evaluate(batch, {1: bars_of(closes, volumes)}, now=NOW)
    return sorted(batch.rule_id[firings.rows].tolist())


def test_crosses_up_fires_on_the_bar_that_reaches_the_value_exactly():
    assert fired([99, 100], ("close", "crosses_up", "", 100.0)) == [1]


def test_leaving_the_value_after_reaching_it_is_not_a_second_cross():
    assert fired([99, 100, 101], ("close", "crosses_up", "", 100.0)) == []
    assert fired([99, 100, 99], ("close", "crosses_down", "", 100.0)) == []


def test_crosses_down_fires_on_reaching_the_value_from_above():
    assert fired([101, 100], ("close", "crosses_down", "", 100.0), ("close", "crosses_up", "", 100.0)) == [1]


def test_crosses_fires_in_either_direction_and_not_when_staying_on_one_side():
    assert fired([98, 102], ("close", "crosses", "", 100.0)) == [1]
    assert fired([102, 98], ("close", "crosses", "", 100.0)) == [1]
    assert fired([101, 102], ("close", "crosses", "", 100.0)) == []


def test_above_and_below_are_strict():
    rows = (("close", "above", "", 100.0), ("close", "below", "", 100.0))

    assert fired([90, 100], *rows) == []
    assert fired([90, 100.01], *rows) == [1]
    assert fired([110, 99.99], *rows) == [2]


def test_an_indicator_above_a_value_uses_the_engines_indicator():
    closes = np.concatenate([np.linspace(100, 90, 40), np.linspace(90, 130, 30)])
    rsi = indicators.rsi(closes, 14)[-1]

    assert fired(closes, ("rsi(14)", "above", "", 70.0), ("rsi(14)", "above", "", float(rsi) + 0.01)) == [1]


def test_ema_20_crossing_ema_50_fires_on_the_bar_of_the_cross_only():
    closes = np.concatenate([np.linspace(120, 100, 80), np.linspace(100, 125, 60)])
    fast, slow = indicators.ema(closes, 20), indicators.ema(closes, 50)
    cross = int(np.flatnonzero((fast[:-1] < slow[:-1]) & (fast[1:] >= slow[1:]))[0]) + 1

    assert fired(closes[:cross + 1], ("ema(20)", "crosses_up", "ema(50)", None)) == [1]
    assert fired(closes[:cross], ("ema(20)", "crosses_up", "ema(50)", None)) == []
    assert fired(closes[:cross + 2], ("ema(20)", "crosses_up", "ema(50)", None)) == []


def test_close_outside_and_inside_the_bollinger_bands():
    calm = list(100 + np.sin(np.arange(40)))
    rows = (("close", "outside", "bollinger(20,2)", None), ("close", "inside", "bollinger(20,2)", None))

    assert fired([*calm, 100.2], *rows) == [2]
    assert fired([*calm, 110.0], *rows) == [1]


def test_a_percent_move_over_n_bars():
    rows = (("change(5)", "above", "", 3.0), ("change(5)", "below", "", -3.0), ("abs_change(5)", "above", "", 3.0))

    assert fired([100, 100, 100, 100, 100, 103.5], *rows) == [1, 3]
    assert fired([100, 100, 100, 100, 100, 96.5], *rows) == [2, 3]
    assert fired([100, 100, 100, 100, 100, 102], *rows) == []


def test_volume_as_a_multiple_of_the_average_of_the_bars_before():
    volumes = [100.0] * 20 + [350.0]

    assert fired([100.0] * 21, ("volume_ratio(20)", "above", "", 3.0), volumes=volumes) == [1]
    assert fired([100.0] * 21, ("volume_ratio(20)", "above", "", 4.0), volumes=volumes) == []


def test_volume_z_score():
    volumes = [*(100 + 10 * np.sin(np.arange(30))), 200.0]
    z = indicators.volume_zscore(np.asarray(volumes), 20)[-1]

    assert z > 2.5
    assert fired([100.0] * 31, ("volume_z(20)", "above", "", 2.5), volumes=volumes) == [1]


def test_nothing_fires_inside_an_indicators_warm_up():
    assert fired([100.0] * 10, ("rsi(14)", "below", "", 101.0), ("ema(20)", "crosses", "", 100.0)) == []


def test_each_series_is_computed_once_per_instrument_whatever_the_rules(monkeypatch):
    computed = []
    real = evaluation.series_last_two_many
    monkeypatch.setattr(evaluation, "series_last_two_many",
                        lambda many, spec: computed.extend([spec.key] * len(many)) or real(many, spec))
    batch = BarRules.from_rows([(rule, instrument, "rsi(14)", "above", "", float(rule), True, False, None, 0.0, None)
                                for rule in range(1, 51) for instrument in (1, 2)])
    closes = np.linspace(100, 130, 60)

    firings = bar_rules_evaluate(batch, {1: bars_of(closes), 2: bars_of(closes[::-1])}, now=NOW)

    assert sorted(computed) == ["rsi(14)", "rsi(14)"]
    assert len(firings) == 50 + int((indicators.rsi(closes[::-1], 14)[-1] > np.arange(1, 51)).sum())


def test_rules_of_instruments_without_bars_are_left_out():
    batch = rules(("close", "above", "", 1.0))

    assert len(bar_rules_evaluate(batch, {2: bars_of([5, 6])}, now=NOW)) == 0


def _eligible(**overrides) -> bool:
    row = {"active": True, "fired_once": False, "last_fired": np.nan, "cooldown": 0.0, "expires": np.nan} | overrides
    return bool(rules_eligible(now=NOW, **{k: np.array([v]) for k, v in row.items()})[0])


def test_cooldown_holds_until_it_is_over():
    assert not _eligible(last_fired=NOW - 3599, cooldown=3600.0)
    assert _eligible(last_fired=NOW - 3600, cooldown=3600.0)


def test_a_rule_paused_by_firing_once_fires_no_more_but_matches_of_the_same_moment_count_as_one_firing():
    assert not _eligible(active=False, fired_once=True, last_fired=NOW - 1)
    assert _eligible(active=False, fired_once=True, last_fired=NOW, cooldown=86400.0)
    assert not _eligible(active=False, fired_once=False, last_fired=NOW)  # paused by a member


def test_an_expired_rule_does_not_fire():
    assert not _eligible(expires=NOW)
    assert _eligible(expires=NOW + 1)


def _match(facts: SignalFacts, **filters) -> bool:
    row = {"op": "published", "direction": "", "min_confidence": np.nan, "timeframe": "", "asset_class": ""} | filters
    return bool(signal_rules_match(facts=facts, **{k: np.array([v]) for k, v in row.items()})[0])


BUY = SignalFacts(direction="BUY", confidence=0.7, timeframe="H1", asset_class="crypto")


@pytest.mark.parametrize(("filters", "matches"), [
    ({}, True), ({"direction": "BUY"}, True), ({"direction": "SELL"}, False), ({"min_confidence": 0.7}, True),
    ({"min_confidence": 0.71}, False), ({"timeframe": "D1"}, False), ({"asset_class": "crypto"}, True),
    ({"asset_class": "stock"}, False), ({"op": "closes"}, False),
])
def test_signal_filters(filters, matches):
    assert _match(BUY, **filters) is matches


def test_a_minimum_confidence_never_matches_a_signal_without_one():
    assert not _match(SignalFacts("BUY", None, "H1", "crypto"), min_confidence=0.1)


@pytest.mark.parametrize(("op", "outcome", "matches"), [("hits_target", "target", True), ("hits_target", "stop", False),
                                                        ("hits_stop", "stop", True), ("closes", "stop", True),
                                                        ("closes", "target", True), ("published", "target", False)])
def test_outcome_rules_match_the_outcome_they_wait_for(op, outcome, matches):
    assert _match(SignalFacts("BUY", 0.7, "H1", "crypto", outcome=outcome), op=op) is matches


def test_messages_say_what_fired_in_words():
    message = evaluation.bar_firing_message(symbol="GOOG", timeframe="D1", left="close", op="crosses", right="",
                                            value=100.0, left_value=100.0, right_value=100.0, lower_value=np.nan,
                                            precision=2)
    band = evaluation.bar_firing_message(symbol="GOOG", timeframe="D1", left="close", op="outside",
                                         right="bollinger(20,2)", value=np.nan, left_value=110.0, right_value=105.0,
                                         lower_value=95.0, precision=2)

    assert message == "GOOG D1: close 100.00 crossed above 100.00"
    assert band == "GOOG D1: close 110.00 is outside bollinger(20,2) (95.00 to 105.00)"


def test_the_lookback_is_the_longest_series_periods_times_its_memory():
    assert evaluation.lookback_bars(["rsi(14)", "ema(50)", ""]) == 152  # ema: 3 x 50 + 2 > rsi: 5 x 14 + 2
    assert evaluation.lookback_bars(["close"]) == series.MIN_LOOKBACK
    assert evaluation.lookback_bars(["sma(200)"]) == 202
    assert evaluation.lookback_bars(["rsi(200)"]) == series.MAX_LOOKBACK


@pytest.mark.parametrize("key", ["rsi(14)", "ema(50)", "macd(12,26,9)", "macd_signal(12,26,9)", "atr(14)",
                                 "adx(14)", "bollinger(20,2)", "supertrend(10,3)", "stoch_d(14,3)", "volume_z(20)"])
def test_over_its_lookback_a_series_agrees_with_the_whole_history(key):
    from market.synthetic import synthetic_bars

    history = synthetic_bars(count=3000, seed=11, gap_probability=0.0)
    spec = series.series_parse(key)

    whole, tail = series.series_last_two(history, spec), series.series_last_two(history.tail(spec.lookback), spec)

    assert np.allclose(tail, whole, rtol=0.01, atol=0.1, equal_nan=True)


@pytest.mark.parametrize("key", [*series.SERIES, "change(5)", "abs_change(3)", "rsi(30)", "bollinger(10,1.5)"])
def test_a_series_of_many_instruments_at_once_has_each_ones_values(key):
    from market.synthetic import synthetic_bars

    spec = series.series_parse(key)
    many = [synthetic_bars(count=count, seed=seed, gap_probability=0.0)
            for seed, count in enumerate([152, 152, 1, 3, 7, 152, 2])]
    for batch in (many, [bars for bars in many if len(bars) >= 2], [bars for bars in many if len(bars) == 152]):
        alone = np.array([series.series_last_two(bars, spec) for bars in batch])

        assert np.array_equal(series.series_last_two_many(batch, spec), alone, equal_nan=True)
