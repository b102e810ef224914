"""A backtest request: its parameters validated, every wrong field named with what is wrong. No Django.

{"strategy": "confluence" | "sma_cross", "symbol", "timeframe", "start", "end" (ISO dates, UTC),
 "cash" (> 0), "costs": "default" (the broker's costs of the instrument's venue) | "none",
 "fast", "slow" (sma_cross only: bars, 2 <= fast < slow <= 500),
 "optimise" (sma_cross only, true or false: also search fast x slow and walk forward),
 with optimise: "method": "grid" (the default: every fast x slow of a fixed grid) | "random" | "bayesian"
 (Optuna, over wider ranges), "budget" (random and bayesian only: how many parameter sets to try,
 1..MAX_BUDGET; the plan may allow fewer, which the service checks), "objective" (the metric ranked,
 maximised; default "sqn")}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from market.timeframes import Timeframe

STRATEGIES = ("confluence", "sma_cross")
COSTS = ("default", "none")
MAX_CASH = 1e9
MAX_SMA = 500
METHODS = ("grid", "random", "bayesian")
MAX_BUDGET = 1000
OBJECTIVES = ("sqn", "sharpe", "sortino", "calmar", "return_pct", "profit_factor", "expectancy_pct", "win_rate_pct")


class BacktestParamsError(ValueError):
    """Parameters that cannot run; `fields` maps each field to what is wrong with it."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))


@dataclass(frozen=True)
class BacktestParams:
    strategy: str
    symbol: str
    timeframe: str
    start: str  # ISO date, inclusive
    end: str  # ISO date, exclusive
    cash: float = 10_000.0
    costs: str = "default"
    fast: int | None = None
    slow: int | None = None
    optimise: bool | None = None  # True or absent (None), so a plain run's parameters read as before
    method: str | None = None  # with optimise only
    budget: int | None = None  # random and bayesian only
    objective: str | None = None  # with optimise only

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def start_time(self) -> datetime:
        return _date(self.start)

    @property
    def end_time(self) -> datetime:
        return _date(self.end)


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def params_parse(data: object) -> BacktestParams:
    """The validated parameters, or BacktestParamsError naming every wrong field."""
    if not isinstance(data, dict):
        raise BacktestParamsError({"params": ["Must be a JSON object."]})
    errors: dict[str, list[str]] = {}

    def need(field: str, ok: bool, message: str) -> None:
        if not ok:
            errors.setdefault(field, []).append(message)

    strategy = data.get("strategy")
    need("strategy", strategy in STRATEGIES, f"One of {', '.join(STRATEGIES)}.")
    symbol = data.get("symbol")
    need("symbol", isinstance(symbol, str) and 0 < len(symbol.strip()) <= 24, "An instrument symbol.")
    timeframe = data.get("timeframe")
    need("timeframe", timeframe in Timeframe.__members__, f"One of {', '.join(Timeframe.__members__)}.")
    dates: dict[str, datetime | None] = {}
    for field in ("start", "end"):
        value = data.get(field)
        try:
            dates[field] = _date(str(value)) if isinstance(value, str) else None
        except ValueError:
            dates[field] = None
        need(field, dates[field] is not None, "A date as YYYY-MM-DD.")
    start, end = dates["start"], dates["end"]
    if start is not None and end is not None:
        need("end", end > start, "After the start.")
    cash = data.get("cash", 10_000.0)
    need("cash", isinstance(cash, int | float) and not isinstance(cash, bool) and math.isfinite(cash)
         and 0 < cash <= MAX_CASH, f"A positive amount up to {MAX_CASH:,.0f}.")
    costs = data.get("costs", "default")
    need("costs", costs in COSTS, f"One of {', '.join(COSTS)}.")
    fast, slow = data.get("fast"), data.get("slow")
    if strategy == "sma_cross":
        for field, value in (("fast", fast), ("slow", slow)):
            need(field, isinstance(value, int) and not isinstance(value, bool) and 2 <= value <= MAX_SMA,
                 f"A whole number of bars in 2..{MAX_SMA}.")
        if isinstance(fast, int) and isinstance(slow, int):
            need("slow", slow > fast, "More bars than fast.")
    else:
        need("fast", fast is None, "Only for sma_cross.")
        need("slow", slow is None, "Only for sma_cross.")
    optimise = data.get("optimise", False)
    need("optimise", isinstance(optimise, bool), "true or false.")
    if optimise is True:
        need("optimise", strategy == "sma_cross", "Only for sma_cross (the confluence strategy has no grid).")
    method, budget, objective = _search_fields(data, optimise is True, need)
    unknown = sorted(set(data) - {"strategy", "symbol", "timeframe", "start", "end", "cash", "costs", "fast", "slow",
                                  "optimise", "method", "budget", "objective"})
    need("params", not unknown, f"Unknown fields: {', '.join(map(str, unknown))}.")
    if errors:
        raise BacktestParamsError(errors)
    return BacktestParams(strategy=str(strategy), symbol=str(symbol).strip().upper(), timeframe=str(timeframe),
                          start=str(data["start"])[:10], end=str(data["end"])[:10], cash=float(cash),
                          costs=str(costs), fast=fast, slow=slow, optimise=True if optimise else None,
                          method=method, budget=budget, objective=objective)


def _search_fields(data: dict[str, object], optimise: bool,
                   need: Callable[[str, bool, str], None]) -> tuple[str | None, int | None, str | None]:
    """(method, budget, objective) of an optimised run, defaults filled in; all None for a plain run."""
    method, budget, objective = data.get("method"), data.get("budget"), data.get("objective")
    if not optimise:
        for field, value in (("method", method), ("budget", budget), ("objective", objective)):
            need(field, value is None, "Only with optimise.")
        return None, None, None
    method = "grid" if method is None else method
    objective = "sqn" if objective is None else objective
    need("method", method in METHODS, f"One of {', '.join(METHODS)}.")
    need("objective", objective in OBJECTIVES, f"One of {', '.join(OBJECTIVES)}.")
    if method == "grid":
        need("budget", budget is None, "Only for random and bayesian (the grid tries every combination).")
    elif method in METHODS:
        need("budget", isinstance(budget, int) and not isinstance(budget, bool) and 1 <= budget <= MAX_BUDGET,
             f"A whole number of trials in 1..{MAX_BUDGET}.")
    trials = budget if isinstance(budget, int) and not isinstance(budget, bool) and method != "grid" else None
    return str(method), trials, str(objective)
