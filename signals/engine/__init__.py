"""The confluence engine: pure computation over numpy arrays and dataclasses. No Django here.

`analyse` turns the closed bars of one instrument (and its higher timeframe) into a SignalDraft,
or None. The same code runs live and in backtests: a backtest calls it on each truncated history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from market.arrays import BarArrays, InstrumentSpec
from market.timeframes import Timeframe
from signals.engine.confluence import MIN_BARS, component_votes, feature_rows, reasoning, scores
from signals.engine.levels import levels_for
from signals.engine.strategy import StrategyConfig


@dataclass(frozen=True)
class SignalDraft:
    direction: str
    score: float
    confidence: float | None
    entry: float
    stop: float
    targets: tuple[float, float, float]
    risk_reward: float
    position_size_fraction: float
    distances: dict
    regime: str
    timeframe: str
    reasoning: str
    contributions: dict[str, float]
    features: dict[str, float]
    bar_time: int  # open time of the bar it was computed on (epoch s)
    valid_until: int  # epoch s


def analyse(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str, strategy: StrategyConfig,
            higher: BarArrays | None = None, model=None) -> SignalDraft | None:
    """The signal of the newest closed bar, or None (warm-up, score under the threshold, bad levels).

    `model`, when given, has `predict_proba(X)` returning P(target 1 before the stop) for each row.
    """
    return analyse_many([(None, bars, instrument, higher)], timeframe=timeframe, strategy=strategy,
                        model=model)[None]


def analyse_many(items, *, timeframe: Timeframe | str, strategy: StrategyConfig, model=None) -> dict:
    """`analyse` for many instruments of one timeframe: items are (key, bars, instrument, higher);
    returns {key: SignalDraft | None}. The model scores every draft in one batched call."""
    drafts = {key: _draft(bars, instrument=instrument, timeframe=Timeframe(timeframe), strategy=strategy,
                          higher=higher) for key, bars, instrument, higher in items}
    scored = [key for key, draft in drafts.items() if draft is not None]
    if model is not None and scored:
        features = np.array([list(drafts[key].features.values()) for key in scored])
        for key, probability in zip(scored, model.predict_proba(features), strict=True):
            drafts[key] = replace(drafts[key], confidence=float(probability))
    return drafts


def _draft(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe, strategy: StrategyConfig,
           higher: BarArrays | None) -> SignalDraft | None:
    if len(bars) < MIN_BARS:
        return None
    votes = component_votes(bars, timeframe, higher)
    score, contributions = scores(votes, strategy)
    t = len(bars) - 1
    if not np.isfinite(score[t]) or abs(score[t]) < strategy.threshold:
        return None
    direction = "BUY" if score[t] > 0 else "SELL"
    context_at = {name: float(values[t]) for name, values in votes.context.items() if values.dtype != object}
    context_at["higher_timeframe"] = timeframe.higher.value if timeframe.higher else ""
    levels = levels_for(direction=direction, close=float(bars.close[t]), atr=context_at["atr"],
                        swing_low=context_at["swing_low"], swing_high=context_at["swing_high"],
                        instrument=instrument, strategy=strategy)
    if levels is None:
        return None
    named = {name: round(float(value), 6) for name, value in zip(votes.names, contributions[t], strict=True)}
    names, rows = feature_rows(votes, score, bars.time, instrument.asset_class)
    features = {name: float(value) for name, value in zip(names, rows[t], strict=True)}
    return SignalDraft(
        direction=direction, score=round(float(score[t]), 6), confidence=None, entry=levels.entry,
        stop=levels.stop, targets=levels.targets, risk_reward=levels.risk_reward,
        position_size_fraction=levels.position_size_fraction, distances=levels.distances,
        regime=str(votes.context["regime"][t]), timeframe=timeframe.value,
        reasoning=reasoning(named, context_at, direction=direction), contributions=named, features=features,
        bar_time=int(bars.time[t]), valid_until=int(bars.time[t] + (strategy.validity_bars + 1) * timeframe.seconds),
    )
