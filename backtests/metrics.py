"""The metrics of a backtest: the set backtesting.py and vectorbt report, defined in docs/backtest-metrics.md.

Pure: arrays in (bar times, closes, the equity marked at each close, the closed trades), a `Metrics`
out. A figure that is undefined for a run (no trades, no losing trade, a flat equity) is None with the
reason in `Metrics.reasons`; NaN and infinities are never published. Risk-free rate 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from backtests.engine.simulation import BacktestRun, Trade
from market.arrays import FloatArray, IntArray

DAY = 86_400
Value = float | int | str | None


@dataclass(frozen=True)
class Metrics:
    values: dict[str, Value]  # by key, in the order of docs/backtest-metrics.md
    reasons: dict[str, str] = field(default_factory=dict)  # why a None value is None


def backtest_metrics(run: BacktestRun) -> Metrics:
    """Every metric of a run (see `metrics_of`)."""
    return metrics_of(time=run.time, close=run.close, equity=run.equity, trades=run.trades, first_bar=run.first_bar)


def metrics_of(*, time: IntArray, close: FloatArray, equity: FloatArray, trades: Sequence[Trade],
               first_bar: int = 0) -> Metrics:
    """Every metric from bar open times (epoch s), closes, equity at each close, the closed trades, and
    the first bar the strategy could act on (where buy & hold starts)."""
    out = _Collector()
    n = len(equity)
    if n < 2:
        raise ValueError("metrics need at least two bars")
    period_days = _period_days(time)
    out.put("start", pd.Timestamp(int(time[0]), unit="s", tz="UTC").isoformat())
    out.put("end", pd.Timestamp(int(time[-1]), unit="s", tz="UTC").isoformat())
    duration_days = (int(time[-1]) - int(time[0])) / DAY
    out.put("duration_days", duration_days)
    held = np.zeros(n, dtype=bool)
    for trade in trades:
        held[trade.entry_index:trade.exit_index + 1] = True
    out.put("exposure_time_pct", float(held.mean() * 100))
    out.put("equity_final", float(equity[-1]))
    out.put("equity_peak", float(equity.max()))
    return_pct = (equity[-1] - equity[0]) / equity[0] * 100
    out.put("return_pct", float(return_pct))
    buy_hold_pct = (close[-1] - close[first_bar]) / close[first_bar] * 100
    out.put("buy_hold_return_pct", float(buy_hold_pct))

    returns = period_returns(time, equity)
    per_year = periods_per_year(time)
    gmean = geometric_mean(returns)
    annual = (1 + gmean) ** per_year - 1
    out.put("return_ann_pct", annual * 100)
    variance = float(np.var(returns, ddof=1)) if len(returns) > 1 else math.nan
    volatility = math.sqrt((variance + (1 + gmean) ** 2) ** per_year - (1 + gmean) ** (2 * per_year)) \
        if math.isfinite(variance) else math.nan
    out.put("volatility_ann_pct", volatility * 100, "fewer than two period returns")
    years = duration_days / 365.25
    out.put("cagr_pct", ((equity[-1] / equity[0]) ** (1 / years) - 1) * 100 if years and equity[-1] >= 0 else math.nan,
            "no time elapsed or negative equity")
    out.ratio("sharpe", annual * 100, volatility * 100, "volatility is zero")
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0) ** 2))) * math.sqrt(per_year) if len(returns) else 0.0
    out.ratio("sortino", annual, downside, "no period lost money")
    drawdown = 1 - equity / np.maximum.accumulate(equity)
    max_dd = float(np.max(drawdown))
    out.ratio("calmar", annual, max_dd, "no drawdown")
    beta = _beta(equity, close)
    out.put("alpha_pct", return_pct - beta * buy_hold_pct, "beta undefined (flat prices or equity)")
    out.put("beta", beta, "beta undefined (flat prices or equity)")
    out.put("max_drawdown_pct", -max_dd * 100)
    durations, peaks = drawdown_episodes(time, drawdown)
    no_dd = "no drawdown"
    out.put("avg_drawdown_pct", -float(np.mean(peaks)) * 100 if peaks else math.nan, no_dd)
    out.put("max_drawdown_duration_days", _ceil_days(max(durations), period_days) if durations else math.nan, no_dd)
    out.put("avg_drawdown_duration_days", _ceil_days(float(np.mean(durations)), period_days) if durations else math.nan,
            no_dd)
    _trade_metrics(out, trades, period_days)
    return Metrics(values=out.values, reasons=out.reasons)


def _trade_metrics(out: _Collector, trades: Sequence[Trade], period_days: float) -> None:
    count = len(trades)
    out.put("trades", count)
    none = "no closed trades"
    pnl = np.array([t.pnl for t in trades])
    returns = np.array([t.return_fraction for t in trades])
    spans = [(t.exit_time - t.entry_time) / DAY for t in trades]
    win_rate = float(np.mean(pnl > 0)) if count else math.nan
    out.put("win_rate_pct", win_rate * 100, none)
    out.put("best_trade_pct", float(returns.max()) * 100 if count else math.nan, none)
    out.put("worst_trade_pct", float(returns.min()) * 100 if count else math.nan, none)
    out.put("avg_trade_pct", geometric_mean(returns) * 100 if count else math.nan, none)
    out.put("max_trade_duration_days", _ceil_days(max(spans), period_days) if count else math.nan, none)
    out.put("avg_trade_duration_days", _ceil_days(float(np.mean(spans)), period_days) if count else math.nan, none)
    losses = float(-returns[returns < 0].sum())
    out.ratio("profit_factor", float(returns[returns > 0].sum()), losses, "no losing trades" if count else none)
    out.put("expectancy_pct", float(returns.mean()) * 100 if count else math.nan, none)
    spread = float(np.std(pnl, ddof=1)) if count > 1 else 0.0
    out.ratio("sqn", math.sqrt(count) * float(pnl.mean()) if count else math.nan, spread,
              "fewer than two trades or all trades equal")
    wins, lost = pnl[pnl > 0], pnl[pnl < 0]
    payoff = float(wins.mean()) / -float(lost.mean()) if len(wins) and len(lost) else math.nan
    out.put("kelly", win_rate - (1 - win_rate) / payoff if payoff else math.nan, "needs winning and losing trades")


class _Collector:
    def __init__(self) -> None:
        self.values: dict[str, Value] = {}
        self.reasons: dict[str, str] = {}

    def put(self, key: str, value: Value | np.floating, reason: str = "undefined for this run") -> None:
        if isinstance(value, str | int) and not isinstance(value, bool):
            self.values[key] = value
            return
        number = float(value) if value is not None else math.nan
        if math.isfinite(number):
            self.values[key] = number
        else:
            self.values[key] = None
            self.reasons[key] = reason

    def ratio(self, key: str, numerator: float, denominator: float, reason: str) -> None:
        self.put(key, numerator / denominator if denominator and math.isfinite(denominator) else math.nan, reason)


def geometric_mean(returns: FloatArray) -> float:
    """exp(mean(log(1 + r))) - 1 of fractional returns (NaN counts as 0); 0 when any r <= -1."""
    growth = np.nan_to_num(np.asarray(returns, dtype=np.float64)) + 1
    if len(growth) == 0:
        return math.nan
    if np.any(growth <= 0):
        return 0.0
    return float(np.exp(np.log(growth).sum() / len(growth)) - 1)


def period_returns(time: IntArray, equity: FloatArray) -> FloatArray:
    """Fractional returns of the equity from one period's last mark to the next: calendar days for
    daily and intraday bars, calendar weeks (to Sunday) for weekly bars, months for monthly bars."""
    days = _period_days(time)
    stamps = pd.to_datetime(np.asarray(time, dtype=np.int64), unit="s")
    rule = "W" if round(days) == 7 else "ME" if round(days) == 31 else "YE" if round(days) == 365 else "D"
    last = pd.Series(equity, index=stamps).resample(rule).last().dropna()
    returns: FloatArray = last.pct_change().dropna().to_numpy(dtype=np.float64)
    return returns


def periods_per_year(time: IntArray) -> float:
    """52 for weekly bars, 12 monthly, 1 yearly; else 365 when weekends trade (crypto), 252 otherwise."""
    days = int(_period_days(time))
    if days in (7, 31, 365):
        return {7: 52, 31: 12, 365: 1}[days]
    weekday = (np.asarray(time, dtype=np.int64) // DAY + 3) % 7  # Monday 0 (1970-01-01 was a Thursday)
    return 365 if float(np.mean(weekday >= 5)) > 2 / 7 * 0.6 else 252


def drawdown_episodes(time: IntArray, drawdown: FloatArray) -> tuple[list[float], list[float]]:
    """(duration in days, deepest drawdown as a fraction) of each drawdown: from the last bar at a peak
    to the next bar back at a peak (or the last bar), when at least one bar lies under water between."""
    ends = np.unique(np.r_[np.flatnonzero(drawdown == 0), len(drawdown) - 1])
    durations, peaks = [], []
    for before, after in pairwise(ends.tolist()):
        if after > before + 1:
            durations.append((int(time[after]) - int(time[before])) / DAY)
            peaks.append(float(drawdown[before:after + 1].max()))
    return durations, peaks


def _beta(equity: FloatArray, close: FloatArray) -> float:
    """Covariance of the equity's and the price's log returns over the price's variance (per bar)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = np.log(equity[1:] / equity[:-1])
        market = np.log(close[1:] / close[:-1])
    if len(ours) < 2 or not (np.all(np.isfinite(ours)) and np.all(np.isfinite(market))):
        return math.nan
    covariance = np.cov(ours, market)
    return float(covariance[0, 1] / covariance[1, 1]) if covariance[1, 1] else math.nan


def _period_days(time: IntArray) -> float:
    """The bar period in days: the median gap of the newest 100 bars."""
    return float(np.median(np.diff(np.asarray(time[-100:], dtype=np.int64)))) / DAY


def _ceil_days(days: float, period_days: float) -> float:
    """A duration rounded up to the data's resolution: whole days for daily bars and longer, else hours or minutes."""
    unit = 1.0 if period_days >= 1 else 1 / 24 if period_days >= 1 / 24 else 1 / 1440
    ceil: Callable[[float], float] = math.ceil
    return ceil(round(days / unit, 9)) * unit
