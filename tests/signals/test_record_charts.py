"""The track record's charts agree with the figures they illustrate."""

import numpy as np

from signals.engine.track_record import track_record
from signals.record_charts import MAX_POINTS, equity_chart, reliability_chart


def _points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in text.split()]


def test_the_equity_curve_ends_at_the_total_r_and_its_drawdown_is_the_records():
    r = [2.0, -1.0, -1.5, 1.0, 3.0, -2.0]
    chart, record = equity_chart(r), track_record(r, [x > 0 for x in r])

    assert chart.final_r == record.total_r == 1.5
    assert chart.max_drawdown_r == record.max_drawdown_r == 2.5
    assert chart.count == 6 and len(_points(chart.equity_points)) == 7  # from 0, then after each outcome
    first_x, first_y = _points(chart.equity_points)[0]
    assert (first_x, first_y) == (0.0, chart.zero_y)  # the curve starts at 0 R


def test_a_long_curve_is_thinned_keeping_its_extremes():
    rng = np.random.default_rng(7)
    r = rng.normal(0.05, 1.0, 20_000)
    equity = np.concatenate(([0.0], np.cumsum(r)))
    chart = equity_chart(r)

    points = _points(chart.equity_points)
    assert len(points) <= MAX_POINTS + 2
    assert chart.top_r == round(max(equity.max(), 0), 2) and chart.bottom_r == round(min(equity.min(), 0), 2)
    ys = [y for _, y in points]
    assert min(ys) == 0.0 and max(ys) == chart.height  # the highest and lowest points are drawn


def test_an_empty_record_draws_a_flat_line_at_zero():
    chart = equity_chart([])

    assert chart.count == 0 and chart.final_r == 0 and chart.max_drawdown_r == 0


def test_reliability_points_sit_at_predicted_and_realised_and_grow_with_their_count():
    bands = [{"band": "0.6-0.7", "count": 30, "predicted": 0.65, "realised": 0.5},
             {"band": "0.3-0.4", "count": 3, "predicted": 0.35, "realised": 1.0}]
    chart = reliability_chart(bands, base_rate=0.48, size=200)

    big, small = chart.points
    assert (big.x, big.y) == (130.0, 100.0) and (small.x, small.y) == (70.0, 0.0)
    assert big.radius > small.radius
    assert chart.base_rate_y == 104.0


def test_without_confidence_there_is_no_point_only_the_base_rate():
    chart = reliability_chart([], base_rate=0.4, size=200)

    assert chart.points == [] and chart.base_rate_y == 120.0
