"""Risk metrics against values worked out by hand: VaR and CVaR, Sharpe, Sortino, drawdown, Kelly."""

import math

import numpy as np
import pytest

from portfolios.broker.risk import (
    conditional_value_at_risk,
    kelly_fraction,
    kelly_from_trades,
    max_drawdown,
    periods_per_year,
    returns_from_equity,
    sharpe_ratio,
    sortino_ratio,
    value_at_risk,
)

# 40 daily returns: the three worst are -10%, -8%, -6%, the rest +1%.
FORTY = np.array([-0.06, 0.01, -0.10] + [0.01] * 36 + [-0.08])


def test_historical_var_is_the_kth_worst_return_with_k_the_tail_count():
    # 95%: k = ceil(40 x 0.05) = 2, the second worst; 99%: k = ceil(0.4) = 1, the worst.
    assert value_at_risk(FORTY, confidence=0.95) == pytest.approx(0.08)
    assert value_at_risk(FORTY, confidence=0.99) == pytest.approx(0.10)


def test_historical_cvar_is_the_mean_of_the_k_worst_returns():
    assert conditional_value_at_risk(FORTY, confidence=0.95) == pytest.approx((0.10 + 0.08) / 2)
    assert conditional_value_at_risk(FORTY, confidence=0.99) == pytest.approx(0.10)


def test_historical_var_of_a_hundred_returns_at_95_is_the_fifth_worst_not_the_sixth():
    returns = -np.arange(1, 101) / 1000  # -0.1% ... -10%
    assert value_at_risk(returns, confidence=0.95) == pytest.approx(0.096)  # 100 x 0.05 is 5, not 5.000...04


# mean 0, sample std sqrt((1 + 1 + 4 + 4) x 1e-4 / 3) = 0.0182574
GAUSSIAN = [0.01, -0.01, 0.02, -0.02]


def test_parametric_var_is_z_standard_deviations_below_the_mean():
    # z(95%) = 1.6448536, z(99%) = 2.3263479
    assert value_at_risk(GAUSSIAN, confidence=0.95, method="parametric") == pytest.approx(0.0300308, abs=1e-7)
    assert value_at_risk(GAUSSIAN, confidence=0.99, method="parametric") == pytest.approx(0.0424731, abs=1e-7)


def test_parametric_cvar_is_the_normal_tails_mean():
    # std x pdf(z) / (1 - c): 0.0182574 x 0.1031356 / 0.05 and 0.0182574 x 0.0266521 / 0.01
    cvar_95 = conditional_value_at_risk(GAUSSIAN, confidence=0.95, method="parametric")
    cvar_99 = conditional_value_at_risk(GAUSSIAN, confidence=0.99, method="parametric")
    assert cvar_95 == pytest.approx(0.0376598, abs=1e-7)
    assert cvar_99 == pytest.approx(0.0486599, abs=1e-7)


def test_var_of_too_few_returns_is_none_and_a_bad_method_or_confidence_an_error():
    assert value_at_risk([]) is None and value_at_risk([0.01], method="parametric") is None
    assert conditional_value_at_risk([], method="parametric") is None
    with pytest.raises(ValueError):
        value_at_risk(GAUSSIAN, method="monte_carlo")
    with pytest.raises(ValueError):
        value_at_risk(GAUSSIAN, confidence=95)
    with pytest.raises(ValueError):
        value_at_risk([0.01, math.nan])


RETURNS = [0.01, 0.02, -0.01, 0.03]  # mean 0.0125, sample std sqrt(8.75e-4 / 3) = 0.0170783


def test_sharpe_is_the_mean_over_the_sample_std_annualised_by_the_square_root_of_periods():
    assert sharpe_ratio(RETURNS, periods_per_year=252) == pytest.approx(0.0125 / 0.0170783 * math.sqrt(252), rel=1e-5)


def test_sharpe_subtracts_the_risk_free_rate_per_period():
    annual = 1.0025 ** 252 - 1  # 0.25% a period

    assert sharpe_ratio(RETURNS, periods_per_year=252, risk_free_annual=annual) == pytest.approx(
        0.01 / 0.0170783 * math.sqrt(252), rel=1e-5)


def test_sortino_divides_by_the_downside_deviation_over_all_periods():
    # only -1% is below zero: sqrt(0.01 ** 2 / 4) = 0.005
    assert sortino_ratio(RETURNS, periods_per_year=252) == pytest.approx(0.0125 / 0.005 * math.sqrt(252))


def test_ratios_without_dispersion_or_downside_are_none_not_infinite():
    assert sharpe_ratio([0.01, 0.01, 0.01], periods_per_year=252) is None
    assert sortino_ratio([0.01, 0.02], periods_per_year=252) is None
    assert sharpe_ratio([0.01], periods_per_year=252) is None


@pytest.mark.parametrize(("timeframe", "calendar", "periods"), [
    ("D1", "XNYS", 252), ("D1", "FOREX", 260), ("D1", "ALWAYS", 365), ("H1", "XNYS", 252 * 7),
    ("M1", "XNYS", 252 * 390), ("H1", "FOREX", 260 * 24), ("H4", "ALWAYS", 365 * 6), ("W1", "XNYS", 52),
    ("MN1", "ALWAYS", 12),
])
def test_the_annualisation_factor_counts_the_bars_of_a_year_on_each_calendar(timeframe, calendar, periods):
    assert periods_per_year(timeframe, calendar) == periods


def test_max_drawdown_is_the_deepest_fall_from_a_running_peak():
    drawdown = max_drawdown([100, 120, 90, 130, 65, 140])

    assert (drawdown.depth, drawdown.amount, drawdown.peak_index, drawdown.trough_index) == (0.5, 65.0, 3, 4)
    assert max_drawdown([100, 101, 102]).depth == 0.0


def test_returns_from_equity_are_simple_returns():
    np.testing.assert_allclose(returns_from_equity([100, 110, 99]), [0.1, -0.1])


def test_kelly_is_p_minus_q_over_b_capped_and_never_negative():
    assert kelly_fraction(win_rate=0.6, payoff_ratio=1.0) == pytest.approx(0.2)
    assert kelly_fraction(win_rate=0.6, payoff_ratio=2.0) == 0.25  # 0.4, capped at 0.25
    assert kelly_fraction(win_rate=0.6, payoff_ratio=2.0, cap=1.0) == pytest.approx(0.4)
    assert kelly_fraction(win_rate=0.6, payoff_ratio=2.0, multiplier=0.5) == pytest.approx(0.2)  # half Kelly
    assert kelly_fraction(win_rate=0.3, payoff_ratio=1.0) == 0.0  # no edge: no bet
    with pytest.raises(ValueError):
        kelly_fraction(win_rate=1.2, payoff_ratio=1.0)


def test_kelly_from_trade_results_in_r():
    assert kelly_from_trades([2, -1, 2, -1, 2], cap=1.0) == pytest.approx(0.6 - 0.4 / 2)
    assert kelly_from_trades([1, 1]) == 0.25  # no loss yet: the win rate, capped
    assert kelly_from_trades([-1, -1]) == 0.0 and kelly_from_trades([]) is None
