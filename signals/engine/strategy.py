"""A strategy is data: component weights, the score threshold and the level rules. No Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

from market.timeframes import Timeframe

COMPONENTS = ("trend", "adx", "macd", "rsi", "stochastic", "bollinger", "supertrend", "ichimoku", "vwap", "volume",
              "structure", "pattern", "chart_pattern", "higher_trend")
# Each chart pattern's own weight inside the "chart_pattern" component (chart_patterns.chart_pattern_vote).
# Priors, not fitted: reversal patterns weigh most, channels least; a strategy may set its own.
DEFAULT_PATTERN_WEIGHTS = {
    "head_and_shoulders": 1.0, "inverse_head_and_shoulders": 1.0, "double_top": 0.8, "double_bottom": 0.8,
    "triple_top": 0.9, "triple_bottom": 0.9, "ascending_triangle": 0.7, "descending_triangle": 0.7,
    "symmetrical_triangle": 0.6, "rising_wedge": 0.7, "falling_wedge": 0.7, "ascending_channel": 0.5,
    "descending_channel": 0.5, "horizontal_channel": 0.5, "bull_flag": 0.8, "bear_flag": 0.8,
    "bull_pennant": 0.8, "bear_pennant": 0.8, "support_break": 0.6, "resistance_break": 0.6,
}


class StrategyConfigError(ValueError):
    """A strategy config that cannot be used; `fields` maps each field to what is wrong with it."""

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in fields.items()))


class StrategyConfigDict(TypedDict):
    """A StrategyConfig as JSON: what a strategy row stores and `StrategyConfig.from_dict` reads."""

    name: str
    version: int
    timeframes: list[str]
    weights: dict[str, float]
    threshold: float
    stop_atr_multiple: float
    max_stop_atr_multiple: float
    targets_r: list[float]
    validity_bars: int
    risk_per_trade: float
    pattern_weights: NotRequired[dict[str, float]]  # DEFAULT_PATTERN_WEIGHTS when absent
    news_weight: NotRequired[float]  # 0 when absent


@dataclass(frozen=True)
class StrategyConfig:
    name: str
    version: int
    timeframes: tuple[str, ...]
    weights: dict[str, float]
    threshold: float  # |score| needed for a signal, 0..1
    stop_atr_multiple: float  # the ATR stop's distance
    max_stop_atr_multiple: float  # a structural stop further than this is not used
    targets_r: tuple[float, float, float]  # targets as multiples of the risk
    validity_bars: int  # bars a signal stays valid
    risk_per_trade: float  # fraction of equity risked, for the position size
    pattern_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_PATTERN_WEIGHTS))
    # The news sentiment vote's weight beside the components' (signals.engine.sentiment). 0: it only
    # shows in the reasoning, as its out-of-sample value has not been shown: `manage.py sentiment_value`
    # (signals.engine.sentiment_value) measures it on resolved signals; the demo's news is illustrative.
    news_weight: float = 0.0

    @classmethod
    def from_dict(cls, data: object) -> StrategyConfig:
        """Validate `data` (parsed JSON, a StrategyConfigDict when valid); StrategyConfigError names
        every field that is wrong."""
        errors: dict[str, list[str]] = {}

        def need(field: str, ok: object, message: str) -> None:
            if not ok:
                errors.setdefault(field, []).append(message)

        if not isinstance(data, dict):
            raise StrategyConfigError({"config": ["Must be a JSON object."]})
        need("name", isinstance(data.get("name"), str) and data.get("name", "").strip(), "A non-empty name.")
        need("version", isinstance(data.get("version"), int) and data.get("version", 0) >= 1, "A whole number >= 1.")
        timeframes = data.get("timeframes")
        need("timeframes", isinstance(timeframes, list) and timeframes and all(t in Timeframe.__members__
                                                                             for t in timeframes),
             f"A list of timeframes from {', '.join(Timeframe.__members__)}.")
        weights = data.get("weights")
        if not isinstance(weights, dict) or not weights:
            need("weights", False, "An object of component -> weight.")
        else:
            unknown = sorted(set(weights) - set(COMPONENTS))
            need("weights", not unknown, f"Unknown components: {', '.join(unknown)}.")
            need("weights", all(isinstance(w, int | float) and w >= 0 for w in weights.values()),
                 "Weights are numbers >= 0.")
            need("weights", any(isinstance(w, int | float) and w > 0 for w in weights.values()),
                 "At least one weight above 0.")

        def number(key: str, low: float, high: float) -> bool:
            return isinstance(data.get(key), int | float) and low < data[key] <= high

        need("threshold", number("threshold", 0, 1), "A number in (0, 1].")
        need("stop_atr_multiple", number("stop_atr_multiple", 0, 10), "A number in (0, 10].")
        need("max_stop_atr_multiple", number("max_stop_atr_multiple", 0, 20), "A number in (0, 20].")
        need("risk_per_trade", number("risk_per_trade", 0, 0.1), "A fraction in (0, 0.1].")
        need("validity_bars", isinstance(data.get("validity_bars"), int) and 0 < data.get("validity_bars", 0) <= 500,
             "A whole number of bars in 1..500.")
        pattern_weights = data.get("pattern_weights", DEFAULT_PATTERN_WEIGHTS)
        if not isinstance(pattern_weights, dict):
            need("pattern_weights", False, "An object of chart pattern -> weight.")
        else:
            unknown = sorted(set(pattern_weights) - set(DEFAULT_PATTERN_WEIGHTS))
            need("pattern_weights", not unknown, f"Unknown chart patterns: {', '.join(unknown)}.")
            need("pattern_weights", all(isinstance(w, int | float) and 0 <= w <= 1 for w in pattern_weights.values()),
                 "Weights are numbers in [0, 1].")
        news_weight = data.get("news_weight", 0.0)
        need("news_weight", isinstance(news_weight, int | float) and not isinstance(news_weight, bool)
             and 0 <= news_weight <= 10, "A number in [0, 10].")
        targets = data.get("targets_r")
        need("targets_r", isinstance(targets, list) and len(targets) == 3
             and all(isinstance(t, int | float) and t > 0 for t in targets) and targets == sorted(targets)
             and len(set(targets)) == 3, "Three increasing positive multiples of the risk.")
        if errors:
            raise StrategyConfigError(errors)
        return cls(name=data["name"].strip(), version=data["version"], timeframes=tuple(data["timeframes"]),
                   weights={k: float(v) for k, v in data["weights"].items()}, threshold=float(data["threshold"]),
                   stop_atr_multiple=float(data["stop_atr_multiple"]),
                   max_stop_atr_multiple=float(data["max_stop_atr_multiple"]), targets_r=tuple(data["targets_r"]),
                   validity_bars=data["validity_bars"], risk_per_trade=float(data["risk_per_trade"]),
                   pattern_weights={**DEFAULT_PATTERN_WEIGHTS, **{k: float(v) for k, v in pattern_weights.items()}},
                   news_weight=float(news_weight))

    def to_dict(self) -> StrategyConfigDict:
        return {"name": self.name, "version": self.version, "timeframes": list(self.timeframes),
                "weights": dict(self.weights), "threshold": self.threshold, "stop_atr_multiple": self.stop_atr_multiple,
                "max_stop_atr_multiple": self.max_stop_atr_multiple, "targets_r": list(self.targets_r),
                "validity_bars": self.validity_bars, "risk_per_trade": self.risk_per_trade,
                "pattern_weights": dict(self.pattern_weights), "news_weight": self.news_weight}


DEFAULT_CONFLUENCE: StrategyConfigDict = {
    "name": "Confluence", "version": 1, "timeframes": ["M15", "H1", "H4", "D1", "W1", "MN1"],
    "weights": {"trend": 1.5, "adx": 1.0, "macd": 1.0, "rsi": 0.75, "stochastic": 0.5, "bollinger": 0.5,
                "supertrend": 1.0, "ichimoku": 0.75, "vwap": 0.5, "volume": 0.5, "structure": 1.25, "pattern": 0.5,
                "chart_pattern": 1.0, "higher_trend": 1.5},
    "threshold": 0.45, "stop_atr_multiple": 1.5, "max_stop_atr_multiple": 3.0, "targets_r": [1.0, 2.0, 3.0],
    "validity_bars": 20, "risk_per_trade": 0.01, "pattern_weights": dict(DEFAULT_PATTERN_WEIGHTS),
    "news_weight": 0.0,
}
