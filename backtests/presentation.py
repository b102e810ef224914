"""What the backtest pages show of a stored report: the engine's metrics labelled and written out (in the
order of docs/backtest-metrics.md, a figure undefined for the run shown with its reason), and the rows
of the compare view. Pure: dicts in, rows out. The engine computes no confidence, and none is shown."""

from __future__ import annotations

from dataclasses import dataclass

METRIC_LABELS: dict[str, str] = {
    "start": "Start", "end": "End", "duration_days": "Duration", "exposure_time_pct": "Exposure time",
    "equity_final": "Equity final", "equity_peak": "Equity peak", "return_pct": "Return",
    "buy_hold_return_pct": "Buy & hold return", "return_ann_pct": "Return (annualised)",
    "volatility_ann_pct": "Volatility (annualised)", "cagr_pct": "CAGR", "sharpe": "Sharpe ratio",
    "sortino": "Sortino ratio", "calmar": "Calmar ratio", "alpha_pct": "Alpha", "beta": "Beta",
    "max_drawdown_pct": "Max. drawdown", "avg_drawdown_pct": "Avg. drawdown",
    "max_drawdown_duration_days": "Max. drawdown duration", "avg_drawdown_duration_days": "Avg. drawdown duration",
    "trades": "Trades", "win_rate_pct": "Win rate", "best_trade_pct": "Best trade", "worst_trade_pct": "Worst trade",
    "avg_trade_pct": "Avg. trade", "max_trade_duration_days": "Max. trade duration",
    "avg_trade_duration_days": "Avg. trade duration", "profit_factor": "Profit factor",
    "expectancy_pct": "Expectancy", "sqn": "SQN", "kelly": "Kelly criterion",
}


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    text: str  # the figure written out, "—" when undefined
    reason: str  # why it is undefined, else ""


def metric_text(key: str, value: object) -> str:
    """A figure as the page writes it: % with two decimals, durations in days, dates as YYYY-MM-DD."""
    if value is None:
        return "—"
    if key in ("start", "end"):
        return str(value)[:10]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key.endswith("_pct"):
        return f"{value:,.2f} %"
    if key.endswith("_days"):
        return f"{value:,.1f} days"
    if isinstance(value, int):
        return f"{value:,}"
    if key.startswith("equity_"):
        return f"{value:,.2f}"
    return f"{value:,.3f}"


def metric_keys(keys: list[str]) -> list[str]:
    """The keys in the documented order, then any other (a stored JSON object does not keep its order)."""
    return [key for key in METRIC_LABELS if key in keys] + sorted(set(keys) - set(METRIC_LABELS))


def metric_rows(metrics: dict[str, object], reasons: dict[str, str]) -> list[MetricRow]:
    """Every metric the engine computed, labelled, in the documented order (an unknown key keeps its name)."""
    return [MetricRow(key=key, label=METRIC_LABELS.get(key, key), text=metric_text(key, metrics[key]),
                      reason=reasons.get(key, "") if metrics[key] is None else "")
            for key in metric_keys(list(metrics))]


def compare_rows(metrics: list[dict[str, object]]) -> list[tuple[str, list[str]]]:
    """(label, the figure of each report's metrics) for every metric any has; "—" where one lacks it."""
    keys = metric_keys(list(dict.fromkeys(key for each in metrics for key in each)))
    return [(METRIC_LABELS.get(key, key), [metric_text(key, each.get(key)) for each in metrics]) for key in keys]
