"""Analysis: the closed bars of one instrument (and its higher timeframe) in, a SignalDraft or None out.

The same code runs live and in backtests: a backtest calls `analyse` on each truncated history, the
live path calls `analyse_many` on the newest histories of many instruments at once, which also gives
each pair's state at its newest bar, signal or not (what the screener shows). No Django here.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeAlias, TypeVar

import numpy as np

from market.arrays import BarArrays, FloatArray, InstrumentSpec
from market.timeframes import Timeframe
from signals.engine.chart_patterns import ChartPattern, newest_chart_patterns, recent_patterns
from signals.engine.confluence import (
    FEATURE_NAMES,
    MIN_BARS,
    PHRASES,
    VALUE_NAMES,
    WINDOW_BARS,
    WINDOW_INPUTS,
    chart_patterns_note,
    feature_rows,
    key_levels_note,
    reasoning,
    scores,
    series_values,
    votes_from,
    window_values,
)
from signals.engine.empirical_bayes import cell_key
from signals.engine.indicators import atr as average_true_range
from signals.engine.indicators import supertrend_directions
from signals.engine.key_levels import Level, key_levels, last_swing_retracements, nearest_levels
from signals.engine.levels import Levels, levels_for
from signals.engine.regime import regimes_at_last
from signals.engine.sentiment import NewsScores, NewsSentiment, news_note, news_sentiment, news_window_seconds
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
    distances: dict[str, float | list[float]]  # as Levels.distances
    regime: str
    timeframe: str
    reasoning: str
    contributions: dict[str, float]
    features: dict[str, float]
    bar_time: int  # open time of the bar it was computed on (epoch s)
    valid_for_seconds: int  # validity_bars x the timeframe, counted from when the signal is published
    chart_patterns: list[dict[str, object]] = field(default_factory=list)  # ChartPattern.geometry of each voting


@dataclass(frozen=True, slots=True)
class PairState:
    """What the engine computed for one pair at its newest closed bar, whether or not a signal came of it."""

    bar_time: int  # open time of the newest closed bar (epoch s)
    close: float
    change_pct: float | None  # the close over the previous bar's close, in %
    score: float | None  # the weighted confluence score in [-1, 1]; None when a vote is undefined (flat prices)
    leaning: str  # "long" or "short" when |score| reaches the strategy's threshold, else "neutral"
    regime: str  # one of regime.REGIMES
    higher_trend: str  # "up" or "down" (EMA20 vs EMA50 on the higher timeframe's newest closed bar), "" unknown
    rsi: float | None  # RSI(14), 0..100
    atr_pct: float | None  # ATR(14) as % of the close
    contributions: dict[str, float | None]  # each component's part of the score: they add up to it
    news_vote: float | None = None  # the news sentiment vote at the bar's close, -1..1; None: no fresh news
    news_items: int = 0  # how many news items it counted


@dataclass(frozen=True, slots=True)
class Analysis:
    """The engine's answer for one pair: its state (None inside the warm-up) and its signal, if any."""

    state: PairState | None
    draft: SignalDraft | None


class ConfidenceScorer(Protocol):
    """What scores drafts (a signals.engine.model.Scorer): P(target 1 before the stop) per feature row and
    the signal's cell (empirical_bayes.cell_key)."""

    def confidence(self, features: FloatArray, cells: list[str]) -> FloatArray: ...


_Key = TypeVar("_Key", bound=Hashable)
# One pair to analyse: (the caller's key for it, its closed bars, its instrument, its higher timeframe's bars).
AnalysisItem: TypeAlias = tuple[_Key, BarArrays, InstrumentSpec, BarArrays | None]

NO_ANALYSIS = Analysis(state=None, draft=None)
HIGHER_TRENDS = {1.0: "up", -1.0: "down"}


def analyse(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str, strategy: StrategyConfig,
            higher: BarArrays | None = None, model: ConfidenceScorer | None = None,
            news: NewsScores | None = None) -> SignalDraft | None:
    """The signal of the newest closed bar, or None (warm-up, score under the threshold, bad levels).

    `model`, when given, has `confidence(X, cells)` returning P(target 1 before the stop) for each row;
    `news`, the instrument's scored news (only what was published before the bar closed counts).
    """
    return analyse_many([(None, bars, instrument, higher)], timeframe=timeframe, strategy=strategy,
                        model=model, news=None if news is None else {None: news})[None].draft


def analyse_many(items: Sequence[AnalysisItem[_Key]], *, timeframe: Timeframe | str, strategy: StrategyConfig,
                 model: ConfidenceScorer | None = None,
                 news: Mapping[_Key, NewsScores] | None = None) -> dict[_Key, Analysis]:
    """`analyse` for many instruments of one timeframe: items are (key, bars, instrument, higher);
    returns {key: Analysis}, each pair's state at its newest bar with its signal draft, if any.
    `news` holds the scored news of any of the keys (silent for the others).

    Each history's indicators that depend on its whole past are computed alone (TA-Lib and numpy over
    its bars, its ATR shared by the indicators and the chart patterns), except the Supertrend
    recursion, which runs once per history length for all of them. The values read from the newest
    bars only (candles, Bollinger position, cloud, returns), the votes, scores, features and regimes
    of the newest bars are then computed for all instruments at once with the same formulas that
    score every bar of one history, and the model scores every draft in one call.
    """
    timeframe = Timeframe(timeframe)
    results: dict[_Key, Analysis] = {key: NO_ANALYSIS for key, *_ in items}
    live = [item for item in items if len(item[1]) >= MIN_BARS]
    if not live:
        return results
    directions = _supertrend_directions([bars for _, bars, _, _ in live])
    atrs = [average_true_range(bars.high, bars.low, bars.close, 14) for _, bars, _, _ in live]
    patterns = [newest_chart_patterns(bars.high, bars.low, bars.close, bars.volume, atr)
                for (_, bars, _, _), atr in zip(live, atrs, strict=True)]
    values = [series_values(bars, timeframe, higher, supertrend_direction=direction,
                            pattern_weights=strategy.pattern_weights, patterns=found, atr=atr)
              for (_, bars, _, higher), direction, found, atr in zip(live, directions, patterns, atrs, strict=True)]
    newest = _newest_values(values)
    votes = votes_from(newest)
    score, contributions = scores(votes, strategy)
    window = news_window_seconds(timeframe.seconds)
    sentiments = [news_sentiment((news or {}).get(key), at=int(bars.time[-1]) + timeframe.seconds,
                                 window_seconds=window) for key, bars, _, _ in live]
    score, contributions = _with_news(score, contributions, sentiments, strategy)
    features = feature_rows(votes, score, np.array([int(bars.time[-1]) for _, bars, _, _ in live]),
                            [instrument.asset_class == "forex" for _, _, instrument, _ in live], newest)
    states = _states(live, values, newest, score, contributions, strategy, sentiments)
    drafts: dict[int, SignalDraft] = {}  # by row, the leaning pairs whose levels are not degenerate
    for row, ((_, bars, instrument, _), state) in enumerate(zip(live, states, strict=True)):
        if state.leaning != "neutral":
            at = {name: float(column[row]) for name, column in newest.items()}
            draft = _draft(bars, at=at, patterns=patterns[row], score=float(score[row]),
                           contributions=contributions[row],
                           features=features[row], regime=state.regime, instrument=instrument,
                           timeframe=timeframe, strategy=strategy, news=sentiments[row])
            if draft is not None:
                drafts[row] = draft
    scored = list(drafts)
    if model is not None and scored:
        cells = [cell_key(asset_class=live[row][2].asset_class, timeframe=timeframe.value,
                          direction=drafts[row].direction, regime=drafts[row].regime, score=drafts[row].score)
                 for row in scored]
        for row, probability in zip(scored, model.confidence(features[scored], cells), strict=True):
            drafts[row] = replace(drafts[row], confidence=round(float(probability), 4))
    for row, ((key, *_), state) in enumerate(zip(live, states, strict=True)):
        results[key] = Analysis(state=state, draft=drafts.get(row))
    return results


def _newest_values(values: list[dict[str, FloatArray]]) -> dict[str, FloatArray]:
    """Each of VALUE_NAMES at the newest bar of each history, from their `series_values`: the window
    values computed once on the stacked newest windows of all of them."""
    windows = {name: np.empty((len(values), WINDOW_BARS)) for name in WINDOW_INPUTS}
    for row, series in enumerate(values):
        for name, window in windows.items():
            window[row] = series[name][-WINDOW_BARS:]
    local = window_values(windows)
    return {name: local[name][:, -1] if name in local else np.array([series[name][-1] for series in values])
            for name in VALUE_NAMES}


def _with_news(score: FloatArray, contributions: FloatArray, sentiments: list[NewsSentiment],
               strategy: StrategyConfig) -> tuple[FloatArray, FloatArray]:
    """The scores and contributions with the news vote weighed in by `news_weight` (a last column,
    "news"); unchanged when that weight is 0."""
    if strategy.news_weight <= 0:
        return score, contributions
    total = sum(strategy.weights.get(name, 0.0) for name in COMPONENTS)
    share = strategy.news_weight / (total + strategy.news_weight)
    news_part = np.array([s.vote for s in sentiments]) * share
    return score * (1 - share) + news_part, np.column_stack([contributions * (1 - share), news_part])


def _named(count: int) -> list[str]:
    """The names of a row of `count` contributions: the components, then "news" when it is weighed in."""
    return [*COMPONENTS, "news"][:count]


def _states(live: Sequence[AnalysisItem[_Key]], values: list[dict[str, FloatArray]], newest: dict[str, FloatArray],
            score: FloatArray, contributions: FloatArray, strategy: StrategyConfig,
            sentiments: list[NewsSentiment]) -> list[PairState]:
    """Each live history's PairState from the values of its newest bar, computed column by column, with
    the news sentiment at its close."""
    close = newest["close"]
    previous = np.array([bars.close[-2] for _, bars, _, _ in live])
    with np.errstate(invalid="ignore", divide="ignore"):
        change_pct = np.round((close / previous - 1) * 100, 4).tolist()
        atr_pct = np.round(newest["atr"] / close * 100, 4).tolist()
    columns = zip(live, close.tolist(), change_pct, score.tolist(), atr_pct, np.round(newest["rsi"], 2).tolist(),
                  newest["higher_trend"].tolist(), contributions.tolist(),
                  regimes_at_last([(v["close"], v["adx"], v["atr"], v["sma50"]) for v in values]), sentiments,
                  strict=True)
    return [PairState(bar_time=int(bars.time[-1]), close=last_close, change_pct=_finite(change),
                      score=_finite(round(raw_score, 6)), leaning=_leaning(raw_score, strategy.threshold),
                      regime=regime, higher_trend=HIGHER_TRENDS.get(higher, ""), rsi=_finite(rsi), atr_pct=_finite(atr),
                      contributions=_contributions(parts, finite=math.isfinite(raw_score)),
                      news_vote=None if news.silent else news.vote, news_items=news.items)
            for (_, bars, _, _), last_close, change, raw_score, atr, rsi, higher, parts, regime, news in columns]


def _contributions(parts: list[float], *, finite: bool) -> dict[str, float | None]:
    """Each component's contribution by name, rounded as a draft's; `finite` (a finite score) says all are."""
    rounded = [round(value, 6) for value in parts]
    return dict(zip(_named(len(parts)), rounded if finite else map(_finite, rounded), strict=True))


def _leaning(score: float, threshold: float) -> str:
    """"long" or "short" when the score reaches the threshold (a signal's direction), else "neutral"."""
    if not math.isfinite(score) or abs(score) < threshold:
        return "neutral"
    return "long" if score > 0 else "short"


def _finite(value: float) -> float | None:
    """The value, or None for NaN and infinities (an indicator undefined on flat prices)."""
    return value if math.isfinite(value) else None


def _supertrend_directions(series: list[BarArrays]) -> list[FloatArray | None]:
    """The Supertrend direction of each history, computed as one 2-D batch per history length."""
    by_length: dict[int, list[int]] = {}
    for index, bars in enumerate(series):
        by_length.setdefault(len(bars), []).append(index)
    directions: list[FloatArray | None] = [None] * len(series)
    for indexes in by_length.values():
        if len(indexes) < 2:
            continue  # one history alone takes the 1-D path inside indicator_values
        rows = [series[i] for i in indexes]
        high = np.vstack([bars.high for bars in rows])
        low = np.vstack([bars.low for bars in rows])
        close = np.vstack([bars.close for bars in rows])
        batch = supertrend_directions(high, low, close)
        for i, direction in zip(indexes, batch, strict=True):
            directions[i] = direction
    return directions


def _draft(bars: BarArrays, *, at: dict[str, float], patterns: list[ChartPattern], score: float,
           contributions: FloatArray, features: FloatArray, regime: str, instrument: InstrumentSpec,
           timeframe: Timeframe, strategy: StrategyConfig, news: NewsSentiment) -> SignalDraft | None:
    """The signal of the newest bar from its values `at` it, or None when its levels are degenerate."""
    direction = "BUY" if score > 0 else "SELL"
    known_levels = key_levels(bars.high, bars.low, at["atr"])
    levels = levels_for(direction=direction, close=float(bars.close[-1]), atr=at["atr"], swing_low=at["swing_low"],
                        swing_high=at["swing_high"], instrument=instrument, strategy=strategy, key_levels=known_levels)
    if levels is None:
        return None
    names = _named(len(contributions))
    named = {name: round(float(value), 6) for name, value in zip(names, contributions, strict=True)}
    context: dict[str, float | str] = {**at, "higher_timeframe": timeframe.higher.value if timeframe.higher else ""}
    patterns = recent_patterns(patterns, len(bars) - 1)
    bar_time = int(bars.time[-1])
    return SignalDraft(
        direction=direction, score=round(score, 6), confidence=None, entry=levels.entry,
        stop=levels.stop, targets=levels.targets, risk_reward=levels.risk_reward,
        position_size_fraction=levels.position_size_fraction, distances=levels.distances, regime=regime,
        timeframe=timeframe.value,
        reasoning=_reasoning(bars, named, context, direction, levels, instrument, known_levels,
                             chart_patterns_note(patterns, direction=direction, timeframe=timeframe.value,
                                                 precision=instrument.price_precision),
                             news_note(news, weighed=strategy.news_weight > 0)),
        contributions=named,
        features={name: float(value) for name, value in zip(FEATURE_NAMES, features, strict=True)},
        bar_time=bar_time, valid_for_seconds=strategy.validity_bars * timeframe.seconds,
        chart_patterns=[p.geometry(bars.time, timeframe.value) for p in patterns],
    )


def _reasoning(bars: BarArrays, contributions: dict[str, float], context: dict[str, float | str], direction: str,
               levels: Levels, instrument: InstrumentSpec, known_levels: list[Level], patterns_note: str,
               news: str) -> str:
    """The votes in words, then the chart patterns, the reference levels around the entry and the news."""
    support, resistance = nearest_levels(known_levels, float(bars.close[-1]))
    note = key_levels_note(direction=direction, entry=levels.entry, target_1=levels.targets[0],
                           atr=float(context["atr"]), support=support, resistance=resistance,
                           retracements=last_swing_retracements(bars.high, bars.low),
                           precision=instrument.price_precision)
    votes = {name: value for name, value in contributions.items() if name in PHRASES}
    return " ".join(filter(None, (reasoning(votes, context, direction=direction), patterns_note, note, news)))
