import math

import pytest

from signals.engine.track_record import max_drawdown, track_record, wilson_interval


def test_wilson_interval_matches_the_formula():
    low, high = wilson_interval(8, 10)

    # p = 0.8, n = 10, z = 1.96: the textbook Wilson score interval
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_the_record_reports_hit_rate_average_r_profit_factor_and_drawdown():
    record = track_record([1.0, -1.0, 2.0, -1.0, -1.0, 1.5], [True, False, True, False, False, True])

    assert record.count == 6 and record.hit_rate == 0.5
    assert record.average_r == pytest.approx(0.25) and record.expectancy_r == pytest.approx(0.25)
    assert record.profit_factor == pytest.approx(4.5 / 3.0)
    assert record.max_drawdown_r == pytest.approx(2.0)  # peak 2.0 after three trades, trough 0.0
    assert record.worst_r == -1.0
    assert record.hit_rate_low < 0.5 < record.hit_rate_high


def test_no_losses_means_no_profit_factor_rather_than_infinity():
    record = track_record([1.0, 2.0], [True, True])

    assert record.profit_factor is None
    assert all(v is None or math.isfinite(v) for v in (record.average_r, record.max_drawdown_r, record.hit_rate))


def test_calibration_and_brier_come_from_the_predicted_confidence():
    record = track_record([1, -1, 1, -1], [True, False, True, False], confidence=[0.8, 0.3, 0.7, float("nan")])

    assert record.brier == pytest.approx(((0.2 ** 2) + (0.3 ** 2) + (0.3 ** 2)) / 3, abs=1e-4)
    assert sum(band["count"] for band in record.calibration) == 3


def test_an_empty_record_has_only_a_count():
    assert track_record([], []).count == 0 and track_record([], []).hit_rate is None


def test_drawdown_counts_from_the_starting_zero():
    assert max_drawdown([-1.0, -1.0, 3.0]) == 2.0


def test_expectancy_is_win_rate_times_average_win_plus_loss_rate_times_average_loss():
    r = [2.0, -1.0, 0.5, -1.0, 0.0]

    record = track_record(r, [True, False, True, False, False])

    assert (record.wins, record.losses) == (2, 2)
    assert record.average_win_r == pytest.approx(1.25) and record.average_loss_r == pytest.approx(-1.0)
    # 2/5 x 1.25 + 2/5 x (-1.0) = 0.1, the average R of the five (a zero-R expiry counts in neither)
    assert record.expectancy_r == pytest.approx(0.1) == record.average_r
    assert record.total_r == pytest.approx(0.5)


def test_only_wins_means_no_average_loss_and_no_profit_factor():
    record = track_record([1.0, 0.5], [True, True])

    assert record.losses == 0 and record.average_loss_r is None and record.profit_factor is None


def test_a_non_finite_r_gives_null_figures_never_nan():
    record = track_record([1.0, float("nan"), -1.0], [True, False, False])

    figures = [record.average_r, record.expectancy_r, record.total_r, record.max_drawdown_r, record.worst_r]
    assert all(value is None or math.isfinite(value) for value in figures)
    assert record.average_r is None and record.hit_rate == pytest.approx(1 / 3, abs=1e-4)
