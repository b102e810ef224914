"""Component votes in [-1, 1] for every bar at once, their weighted score, and the reasoning.

Row t of every array uses only bars up to t (and higher-timeframe bars closed by then), so the
newest row of a truncated history equals the same row of the full history: no look-ahead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.arrays import BarArrays
from market.timeframes import Timeframe
from signals.engine import indicators as ind
from signals.engine.patterns import candle_patterns, pattern_vote
from signals.engine.regime import regimes
from signals.engine.strategy import COMPONENTS, StrategyConfig
from signals.engine.structure import structure_events

MIN_BARS = 60


@dataclass(frozen=True)
class Votes:
    names: tuple[str, ...]
    votes: np.ndarray  # [n_bars, n_components], NaN inside warm-ups
    context: dict[str, np.ndarray]  # the indicator values the reasoning quotes


def _clip(values) -> np.ndarray:
    return np.clip(values, -1.0, 1.0)


def higher_trend_vote(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None) -> np.ndarray:
    """Per lower bar, the EMA20/EMA50 trend of the newest higher-timeframe bar CLOSED by its close."""
    out = np.zeros(len(bars))
    if higher is None or len(higher) < 50 or timeframe.higher is None:
        return out
    trend = np.sign(ind.ema(higher.close, 20) - ind.ema(higher.close, 50))
    closes_at = higher.time + timeframe.higher.seconds
    newest_closed = np.searchsorted(closes_at, bars.time + timeframe.seconds, side="right") - 1
    known = newest_closed >= 0
    out[known] = np.nan_to_num(trend[newest_closed[known]])
    return out


def session_ids(times: np.ndarray, timeframe: Timeframe) -> np.ndarray:
    """The VWAP's anchor: the UTC day for intraday bars, the ISO week for daily, the year above."""
    if timeframe.seconds < Timeframe.D1.seconds:
        return times // 86400
    if timeframe == Timeframe.D1:
        return (times // 86400 + 3) // 7  # weeks starting Monday (1970-01-01 was a Thursday)
    return times // (365 * 86400)


def component_votes(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None = None) -> Votes:
    o, h, lo, c, v = bars.open, bars.high, bars.low, bars.close, bars.volume
    atr = ind.atr(h, lo, c, 14)
    ema20, ema50, sma50 = ind.ema(c, 20), ind.ema(c, 50), ind.sma(c, 50)
    adx, plus_di, minus_di = ind.adx(h, lo, c, 14)
    _, _, hist = ind.macd(c)
    rsi = ind.rsi(c, 14)
    k, d = ind.stochastic(h, lo, c)
    upper, _, lower = ind.bollinger(c)
    _, st_dir = ind.supertrend(h, lo, c)
    cloud = ind.ichimoku(h, lo)
    cloud_top, cloud_bottom = (np.full(len(c), np.nan) for _ in range(2))
    if len(c) > 26:  # today's cloud was computed 26 bars ago
        spans = np.vstack([cloud["span_a"][:-26], cloud["span_b"][:-26]])
        cloud_top[26:], cloud_bottom[26:] = spans.max(axis=0), spans.min(axis=0)
    vwap = ind.vwap(h, lo, c, v, session_ids(bars.time, timeframe))
    zscore = ind.volume_zscore(v, 20)
    events = structure_events(h, lo, c)
    with np.errstate(invalid="ignore", divide="ignore"):
        band_position = (c - lower) / (upper - lower)
        votes = {
            "trend": np.sign(ema20 - ema50) * np.where(np.sign(c - ema20) == np.sign(ema20 - ema50), 1.0, 0.5),
            "adx": np.where(adx >= 20, np.sign(plus_di - minus_di) * np.minimum(adx / 40, 1.0), 0.0),
            "macd": _clip(hist / (0.1 * atr)),
            "rsi": _clip((rsi - 50) / 25),
            "stochastic": np.where((k < 20) & (k > d), 1.0, np.where((k > 80) & (k < d), -1.0, 0.0)),
            "bollinger": _clip((0.5 - band_position) * 2) * np.where(adx < 20, 1.0, 0.3),
            "supertrend": st_dir,
            "ichimoku": np.where(c > cloud_top, 1.0, np.where(c < cloud_bottom, -1.0, 0.0)),
            "vwap": np.sign(c - vwap) * np.minimum(np.abs(c - vwap) / atr, 1.0),
            "volume": np.sign(c - o) * np.clip(np.nan_to_num(zscore) / 2, 0, 1),
            "structure": events.trend.astype(float),
            "pattern": pattern_vote(candle_patterns(o, h, lo, c)),
            "higher_trend": higher_trend_vote(bars, timeframe, higher),
        }
    matrix = np.column_stack([votes[name] for name in COMPONENTS])
    matrix[: MIN_BARS - 1] = np.nan
    context = {"atr": atr, "adx": adx, "rsi": rsi, "ema20": ema20, "ema50": ema50, "sma50": sma50, "vwap": vwap,
               "macd_hist": hist, "stoch_k": k, "structure_event": events.event.astype(float)}
    context["regime"] = regimes(c, adx, atr, sma50)
    context["swing_high"], context["swing_low"] = events.swing_high, events.swing_low
    return Votes(names=COMPONENTS, votes=matrix, context=context)


SESSION_FEATURES = ("session_asia", "session_london", "session_new_york")


def feature_rows(votes: Votes, score: np.ndarray, times: np.ndarray, asset_class: str) -> tuple[list[str], np.ndarray]:
    """The model's features per bar: every vote, the score, and (for forex, else 0) the sessions open."""
    names = [f"vote_{n}" for n in votes.names] + ["score", *SESSION_FEATURES]
    sessions = np.zeros((len(times), len(SESSION_FEATURES)))
    if asset_class == "forex":
        from signals.engine.regime import forex_sessions

        open_now = forex_sessions(times)
        sessions = np.column_stack([open_now[name.removeprefix("session_")] for name in SESSION_FEATURES]).astype(float)
    return names, np.column_stack([votes.votes, score, sessions])


def scores(votes: Votes, strategy: StrategyConfig) -> tuple[np.ndarray, np.ndarray]:
    """(score per bar in [-1, 1], contributions [n_bars, n_components]) with the strategy's weights."""
    weights = np.array([strategy.weights.get(name, 0.0) for name in votes.names])
    contributions = votes.votes * weights / weights.sum()
    return contributions.sum(axis=1), contributions


PHRASES = {
    "trend": lambda s, x: f"{'up' if s > 0 else 'down'}trend (EMA20 {'above' if s > 0 else 'below'} EMA50)",
    "adx": lambda s, x: f"ADX {x['adx']:.0f} with {'+DI' if s > 0 else '-DI'} leading",
    "macd": lambda s, x: f"MACD {'above' if s > 0 else 'below'} its signal",
    "rsi": lambda s, x: f"RSI {x['rsi']:.0f}",
    "stochastic": lambda s, x: f"Stochastic {x['stoch_k']:.0f} turning {'up' if s > 0 else 'down'}",
    "bollinger": lambda s, x: f"price near the {'lower' if s > 0 else 'upper'} Bollinger band",
    "supertrend": lambda s, x: f"Supertrend {'up' if s > 0 else 'down'}",
    "ichimoku": lambda s, x: f"price {'above' if s > 0 else 'below'} the Ichimoku cloud",
    "vwap": lambda s, x: f"price {'above' if s > 0 else 'below'} VWAP",
    "volume": lambda s, x: f"high volume on a{'n up' if s > 0 else ' down'} bar",
    "structure": lambda s, x: f"{'bullish' if s > 0 else 'bearish'} market structure",
    "pattern": lambda s, x: f"{'bullish' if s > 0 else 'bearish'} reversal candle",
    "higher_trend": lambda s, x: f"{'up' if s > 0 else 'down'}trend on {x['higher_timeframe']}",
}


def reasoning(contributions: dict[str, float], context_at: dict, *, direction: str, limit: int = 5) -> str:
    """The strongest contributions in the signal's direction, in words, strongest first."""
    side = 1 if direction == "BUY" else -1
    ranked = sorted((c for c in contributions.items() if c[1] * side > 0), key=lambda c: -abs(c[1]))[:limit]
    phrases = [PHRASES[name](np.sign(value), context_at) for name, value in ranked]
    against = [name for name, value in contributions.items() if value * side < -0.05]
    text = ", ".join(phrases)
    if against:
        text += f"; against: {', '.join(sorted(against))}"
    return text[:1].upper() + text[1:] + "."
