"""A rule's condition is checked field by field, and its series are stored in one canonical spelling."""

import pytest

from alerts.conditions import Condition, condition_check
from alerts.series import series_parse


@pytest.mark.parametrize(("text", "key"), [("rsi", "rsi(14)"), ("rsi( 14 )", "rsi(14)"), ("ema(20)", "ema(20)"),
                                           ("bollinger(20, 2)", "bollinger(20,2)"), ("bollinger(20,2.5)",
                                                                                     "bollinger(20,2.5)"),
                                           ("close", "close"), ("macd(12,26)", "macd(12,26,9)")])
def test_a_series_is_stored_with_every_parameter_written_once(text, key):
    assert series_parse(text).key == key


@pytest.mark.parametrize(("text", "says"), [("foo(3)", "Unknown series"), ("rsi(1)", "from 2 to 200"),
                                            ("rsi(14.5)", "whole number"), ("rsi(x)", "must be a number"),
                                            ("close(3)", "no parameters"), ("ema(1,2)", "takes"), ("", "Unknown")])
def test_a_bad_series_says_what_is_wrong(text, says):
    with pytest.raises(ValueError, match=says):
        series_parse(text)


def test_an_indicator_crossing_another_is_valid_and_canonical():
    checked, errors = condition_check(Condition(kind="indicator", left="ema( 20 )", op="crosses_up", right="ema(50)"))

    assert errors == {}
    assert (checked.left, checked.op, checked.right, checked.value) == ("ema(20)", "crosses_up", "ema(50)", None)


def test_close_outside_the_bollinger_bands_is_valid():
    checked, errors = condition_check(Condition(kind="indicator", left="close", op="outside", right="bollinger"))

    assert errors == {} and checked.right == "bollinger(20,2)"


def test_a_price_rule_watches_the_close_by_default():
    checked, errors = condition_check(Condition(kind="price", op="crosses", value=100.0))

    assert errors == {} and checked.left == "close"


@pytest.mark.parametrize(("condition", "field", "says"), [
    (Condition(kind="indicator", left="rsi(14)", op="above", value=170), "value", "runs from 0 to 100"),
    (Condition(kind="price", op="above", value=-1), "value", "above 0"),
    (Condition(kind="price", op="above", value=float("nan")), "value", "finite"),
    (Condition(kind="price", op="crosses"), "value", "Give the value"),
    (Condition(kind="price", op="sideways", value=1), "op", "Choose one of"),
    (Condition(kind="percent_move", left="rsi", op="above", value=3), "left", "change(N) or abs_change(N)"),
    (Condition(kind="volume", left="close", op="above", value=3), "left", "volume_z(N) or volume_ratio(N)"),
    (Condition(kind="price", op="above", right="ema(20)"), "right", "compares with a value"),
    (Condition(kind="indicator", left="close", op="above", right="bollinger"), "op", "outside or inside"),
    (Condition(kind="indicator", left="close", op="outside", right="ema(20)"), "right", "compares with a band"),
    (Condition(kind="indicator", left="close", op="outside", value=3), "right", "compares with a band"),
    (Condition(kind="indicator", left="bollinger", op="above", value=3), "left", "A band is the right side"),
    (Condition(kind="indicator", left="rsi", op="above", right="ema(5)", value=3), "value", "not both"),
    (Condition(kind="indicator", op="above", value=3), "left", "Name the series"),
    (Condition(kind="signal", left="close"), "left", "compares no series"),
    (Condition(kind="outcome", op="above"), "op", "hits_target"),
    (Condition(kind="weather"), "kind", "Choose one of"),
])
def test_each_mistake_is_reported_on_its_field(condition, field, says):
    _, errors = condition_check(condition)

    assert field in errors and says in errors[field][0]


def test_signal_and_outcome_rules_take_their_default_operator():
    assert condition_check(Condition(kind="signal"))[0].op == "published"
    assert condition_check(Condition(kind="outcome"))[0].op == "closes"
