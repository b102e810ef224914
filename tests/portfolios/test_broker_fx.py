"""Currency conversion with FX closes: direct pairs, inverted pairs and crosses, on floats and series."""

import numpy as np
import pytest

from portfolios.broker.fx import MissingRate, fx_rate


def test_a_direct_pair_multiplies_by_its_close():
    assert fx_rate("EUR", "USD", {"EURUSD": 1.1}) == 1.1


def test_the_quote_currency_of_a_pair_converts_back_by_dividing_by_its_close():
    assert fx_rate("USD", "EUR", {"EURUSD": 1.25}) == 0.8
    assert fx_rate("JPY", "USD", {"USDJPY": 125.0}) == 0.008


def test_a_cross_goes_through_the_common_currency_and_inverts_each_leg_as_needed():
    closes = {"USDJPY": 125.0, "GBPUSD": 1.25, "EURUSD": 1.1}

    assert fx_rate("JPY", "GBP", closes) == pytest.approx(1 / 125 / 1.25)
    assert fx_rate("EUR", "JPY", closes) == pytest.approx(1.1 * 125)


def test_a_cross_pair_of_its_own_is_used_before_a_longer_chain():
    assert fx_rate("JPY", "GBP", {"USDJPY": 125.0, "GBPUSD": 1.25, "GBPJPY": 160.0}) == 1 / 160


def test_a_currency_converts_to_itself_at_one_without_any_close():
    assert fx_rate("USD", "USD", {}) == 1.0


def test_close_series_convert_bar_by_bar():
    rates = fx_rate("JPY", "USD", {"USDJPY": np.array([100.0, 125.0, 200.0])})

    np.testing.assert_allclose(rates, [0.01, 0.008, 0.005])


def test_no_chain_of_pairs_between_the_currencies_is_a_clear_error():
    with pytest.raises(MissingRate, match="No FX close converts CHF to USD"):
        fx_rate("CHF", "USD", {"EURUSD": 1.1})


@pytest.mark.parametrize("close", [0.0, -1.0, float("nan"), np.array([1.1, np.inf])])
def test_a_close_that_is_not_a_positive_number_is_refused_not_passed_on(close):
    with pytest.raises(ValueError, match="EURUSD close must be a positive number"):
        fx_rate("USD", "EUR", {"EURUSD": close})
