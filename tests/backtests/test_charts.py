"""The result page's line charts: their captions state the range drawn."""

from backtests.charts import lines_chart


def test_a_drawdown_that_never_went_below_zero_is_captioned_0_00_not_minus_0_00():
    chart = lines_chart([("Drawdown", [-0.0, -0.001, -0.0])], label="Drawdown (%)", baseline=0.0)

    assert "low -0.00" not in chart and "high -0.00" not in chart
    assert "low 0.00, high 0.00" in chart


def test_a_real_drawdown_keeps_its_sign():
    chart = lines_chart([("Drawdown", [0.0, -12.5, -3.0])], label="Drawdown (%)", baseline=0.0)

    assert "low -12.50, high 0.00" in chart
