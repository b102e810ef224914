"""Every metric against a case computed by hand: five weekdays, three trades (docs/backtest-metrics.md)."""

import math

import numpy as np
import pytest

from backtests.engine.simulation import Trade
from backtests.metrics import metrics_of

DAY = 86_400
MONDAY = 1_704_067_200  # 2024-01-01, a Monday
TIME = np.array([MONDAY + i * DAY for i in range(5)])
EQUITY = np.array([100.0, 110.0, 99.0, 121.0, 121.0])
CLOSE = np.array([10.0, 11.0, 10.0, 12.0, 12.0])


def trade(entry, exit, pnl, return_fraction):
    return Trade(direction=1, size=1.0, entry_index=entry, exit_index=exit, entry_time=int(TIME[entry]),
                 exit_time=int(TIME[exit]), entry_price=1.0, exit_price=1.0, pnl=pnl, return_fraction=return_fraction,
                 commission=0.0, exit_reason="signal")


TRADES = [trade(0, 1, 10.0, 0.10), trade(1, 2, -11.0, -0.10), trade(2, 3, 22.0, 22 / 99)]


def test_every_metric_equals_its_hand_computed_value():
    m = metrics_of(time=TIME, close=CLOSE, equity=EQUITY, trades=TRADES, first_bar=0).values

    # daily returns 0.1, -0.1, 22/99, 0: their product of (1 + r) is 1.21, geometric mean 1.21 ** (1/4) - 1
    g = 1.21 ** 0.25 - 1
    annual = (1 + g) ** 252 - 1  # weekdays only: 252 periods a year
    r = [0.1, -0.1, 22 / 99, 0.0]
    mean = sum(r) / 4
    variance = sum((x - mean) ** 2 for x in r) / 3
    volatility = math.sqrt((variance + (1 + g) ** 2) ** 252 - (1 + g) ** 504)
    ours = [math.log(110 / 100), math.log(99 / 110), math.log(121 / 99), 0.0]
    market = [math.log(11 / 10), math.log(10 / 11), math.log(12 / 10), 0.0]
    om, mm = sum(ours) / 4, sum(market) / 4
    beta = sum((a - om) * (b - mm) for a, b in zip(ours, market, strict=True)) / sum((b - mm) ** 2 for b in market)
    expected = {
        "start": "2024-01-01T00:00:00+00:00", "end": "2024-01-05T00:00:00+00:00", "duration_days": 4.0,
        "exposure_time_pct": 80.0,  # bars 0..3 held, bar 4 flat
        "equity_final": 121.0, "equity_peak": 121.0, "return_pct": 21.0,
        "buy_hold_return_pct": 20.0,  # close 10 -> 12
        "return_ann_pct": annual * 100, "volatility_ann_pct": volatility * 100,
        "cagr_pct": (1.21 ** (365.25 / 4) - 1) * 100,
        "sharpe": annual / volatility,
        "sortino": annual / (math.sqrt(0.1 ** 2 / 4) * math.sqrt(252)),  # one losing day of -10 % in four
        "calmar": annual / 0.10,  # deepest drawdown: 110 -> 99
        "alpha_pct": 21.0 - beta * 20.0, "beta": beta,
        "max_drawdown_pct": -10.0, "avg_drawdown_pct": -10.0,  # one drawdown, from bar 1 to bar 3
        "max_drawdown_duration_days": 2.0, "avg_drawdown_duration_days": 2.0,
        "trades": 3, "win_rate_pct": 200 / 3, "best_trade_pct": 2200 / 99, "worst_trade_pct": -10.0,
        "avg_trade_pct": (1.21 ** (1 / 3) - 1) * 100,  # 1.1 x 0.9 x 121/99 = 1.21
        "max_trade_duration_days": 1.0, "avg_trade_duration_days": 1.0,
        "profit_factor": (0.1 + 22 / 99) / 0.1,
        "expectancy_pct": (0.1 - 0.1 + 22 / 99) / 3 * 100,
        "sqn": math.sqrt(3) * 7 / math.sqrt((3 ** 2 + 18 ** 2 + 15 ** 2) / 2),  # P&L 10, -11, 22: mean 7
        "kelly": 2 / 3 - (1 / 3) / (16 / 11),  # = 21/48: average win 16, average loss 11
    }

    assert list(m) == list(expected)
    for key, value in expected.items():
        assert m[key] == (value if isinstance(value, str) else pytest.approx(value, rel=1e-12)), key
    assert m["kelly"] == pytest.approx(21 / 48)


def test_no_trades_gives_none_with_a_reason_never_nan():
    flat = np.full(5, 100.0)
    metrics = metrics_of(time=TIME, close=CLOSE, equity=flat, trades=[])

    for key in ("win_rate_pct", "best_trade_pct", "avg_trade_pct", "profit_factor", "expectancy_pct", "sqn", "kelly",
                "sharpe", "sortino", "calmar", "max_drawdown_duration_days"):
        assert metrics.values[key] is None and metrics.reasons[key], key
    assert metrics.values["trades"] == 0 and metrics.values["return_pct"] == 0.0
    assert metrics.values["max_drawdown_pct"] == 0.0
    for value in metrics.values.values():
        assert value is None or isinstance(value, str) or math.isfinite(value)


def test_no_losing_trade_leaves_profit_factor_and_kelly_undefined():
    metrics = metrics_of(time=TIME, close=CLOSE, equity=EQUITY, trades=[TRADES[0], TRADES[2]])

    assert metrics.values["profit_factor"] is None and metrics.reasons["profit_factor"] == "no losing trades"
    assert metrics.values["kelly"] is None and metrics.values["win_rate_pct"] == 100.0
