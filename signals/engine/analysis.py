"""Analysis: the closed bars of one instrument (and its higher timeframe) in, a SignalDraft or None out.

The same code runs live and in backtests: a backtest calls `analyse` on each truncated history, the
live path calls `analyse_many` on the newest histories of many instruments at once. No Django here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from market.arrays import BarArrays, InstrumentSpec
from market.timeframes import Timeframe
from signals.engine.confluence import (
    FEATURE_NAMES,
    MIN_BARS,
    feature_rows,
    indicator_values,
    key_levels_note,
    reasoning,
    scores,
    votes_from,
)
from signals.engine.indicators import supertrend
from signals.engine.key_levels import Level, key_levels, last_swing_retracements, nearest_levels
from signals.engine.levels import levels_for
from signals.engine.regime import regime_at_last
from signals.engine.strategy import COMPONENTS, StrategyConfig


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
    valid_for_seconds: int  # validity_bars x the timeframe, counted from when the signal is published


def analyse(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str, strategy: StrategyConfig,
            higher: BarArrays | None = None, model=None) -> SignalDraft | None:
    """The signal of the newest closed bar, or None (warm-up, score under the threshold, bad levels).

    `model`, when given, has `predict_proba(X)` returning P(target 1 before the stop) for each row.
    """
    return analyse_many([(None, bars, instrument, higher)], timeframe=timeframe, strategy=strategy,
                        model=model)[None]


def analyse_many(items, *, timeframe: Timeframe | str, strategy: StrategyConfig, model=None) -> dict:
    """`analyse` for many instruments of one timeframe: items are (key, bars, instrument, higher);
    returns {key: SignalDraft | None}.

    Each history's indicators are computed alone (TA-Lib and numpy over its bars), except the
    Supertrend recursion, which runs once per history length for all of them. The votes, scores
    and features of the newest bars are then computed for all instruments at once with the same
    formulas that score every bar of one history, and the model scores every draft in one call.
    """
    timeframe = Timeframe(timeframe)
    drafts: dict = {key: None for key, *_ in items}
    live = [item for item in items if len(item[1]) >= MIN_BARS]
    if not live:
        return drafts
    directions = _supertrend_directions([bars for _, bars, _, _ in live])
    values = [indicator_values(bars, timeframe, higher, supertrend_direction=direction)
              for (_, bars, _, higher), direction in zip(live, directions, strict=True)]
    newest = {name: np.array([v[name][-1] for v in values]) for name in values[0]}
    votes = votes_from(newest)
    score, contributions = scores(votes, strategy)
    features = feature_rows(votes, score, np.array([int(bars.time[-1]) for _, bars, _, _ in live]),
                            [instrument.asset_class == "forex" for _, _, instrument, _ in live])
    for row, (key, bars, instrument, _) in enumerate(live):
        if np.isfinite(score[row]) and abs(score[row]) >= strategy.threshold:
            at = {name: float(column[row]) for name, column in newest.items()}
            drafts[key] = _draft(bars, at=at, score=float(score[row]), contributions=contributions[row],
                                 features=features[row], regime=regime_at_last(bars.close, values[row]["adx"],
                                                                               values[row]["atr"], values[row]["sma50"]),
                                 instrument=instrument, timeframe=timeframe, strategy=strategy)
    scored = [row for row, (key, *_) in enumerate(live) if drafts[key] is not None]
    if model is not None and scored:
        for row, probability in zip(scored, model.predict_proba(features[scored]), strict=True):
            key = live[row][0]
            drafts[key] = replace(drafts[key], confidence=round(float(probability), 4))
    return drafts


def _supertrend_directions(series: list[BarArrays]) -> list[np.ndarray | None]:
    """The Supertrend direction of each history, computed as one 2-D batch per history length."""
    by_length: dict[int, list[int]] = {}
    for index, bars in enumerate(series):
        by_length.setdefault(len(bars), []).append(index)
    directions: list[np.ndarray | None] = [None] * len(series)
    for indexes in by_length.values():
        if len(indexes) < 2:
            continue  # one history alone takes the 1-D path inside indicator_values
        rows = [series[i] for i in indexes]
        _, batch = supertrend(*(np.vstack([getattr(b, name) for b in rows]) for name in ("high", "low", "close")))
        for i, direction in zip(indexes, batch, strict=True):
            directions[i] = direction
    return directions


def _draft(bars: BarArrays, *, at: dict[str, float], score: float, contributions: np.ndarray, features: np.ndarray,
           regime: str, instrument: InstrumentSpec, timeframe: Timeframe, strategy: StrategyConfig) -> SignalDraft | None:
    """The signal of the newest bar from its values `at` it, or None when its levels are degenerate."""
    direction = "BUY" if score > 0 else "SELL"
    known_levels = key_levels(bars.high, bars.low, at["atr"])
    levels = levels_for(direction=direction, close=float(bars.close[-1]), atr=at["atr"], swing_low=at["swing_low"],
                        swing_high=at["swing_high"], instrument=instrument, strategy=strategy, key_levels=known_levels)
    if levels is None:
        return None
    named = {name: round(float(value), 6) for name, value in zip(COMPONENTS, contributions, strict=True)}
    context = {**at, "higher_timeframe": timeframe.higher.value if timeframe.higher else ""}
    bar_time = int(bars.time[-1])
    return SignalDraft(
        direction=direction, score=round(score, 6), confidence=None, entry=levels.entry,
        stop=levels.stop, targets=levels.targets, risk_reward=levels.risk_reward,
        position_size_fraction=levels.position_size_fraction, distances=levels.distances, regime=regime,
        timeframe=timeframe.value,
        reasoning=_reasoning(bars, named, context, direction, levels, instrument, known_levels),
        contributions=named,
        features={name: float(value) for name, value in zip(FEATURE_NAMES, features, strict=True)},
        bar_time=bar_time, valid_for_seconds=strategy.validity_bars * timeframe.seconds,
    )


def _reasoning(bars: BarArrays, contributions: dict, context: dict, direction: str, levels, instrument,
               known_levels: list[Level]) -> str:
    """The votes in words, then the reference levels around the entry."""
    support, resistance = nearest_levels(known_levels, float(bars.close[-1]))
    note = key_levels_note(direction=direction, entry=levels.entry, target_1=levels.targets[0], atr=context["atr"],
                           support=support, resistance=resistance, retracements=last_swing_retracements(bars.high, bars.low),
                           precision=instrument.price_precision)
    return " ".join(filter(None, (reasoning(contributions, context, direction=direction), note)))
