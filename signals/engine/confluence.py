"""Component votes in [-1, 1] for every bar at once, their weighted score, and the reasoning.

Row t of every array uses only bars up to t (and higher-timeframe bars closed by then), so the
newest row of a truncated history equals the same row of the full history: no look-ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np

from market.arrays import BarArrays, FloatArray, IntArray
from market.timeframes import Timeframe
from signals.engine import indicators as ind
from signals.engine.chart_patterns import ChartPattern, chart_pattern_vote, chart_patterns
from signals.engine.key_levels import Level
from signals.engine.patterns import candle_patterns, pattern_vote
from signals.engine.regime import forex_sessions
from signals.engine.strategy import COMPONENTS, StrategyConfig
from signals.engine.structure import structure_events

MIN_BARS = 60


@dataclass(frozen=True)
class Votes:
    names: tuple[str, ...]
    votes: FloatArray  # [n_bars, n_components], NaN inside warm-ups
    context: dict[str, FloatArray]  # the indicator values the reasoning quotes


def _clip(values: FloatArray) -> FloatArray:
    return np.clip(values, -1.0, 1.0)


def higher_trend_vote(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None) -> FloatArray:
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


def session_ids(times: IntArray, timeframe: Timeframe) -> IntArray:
    """The VWAP's anchor: the UTC day for intraday bars, the ISO week for daily, the year above."""
    if timeframe.seconds < Timeframe.D1.seconds:
        return times // 86400
    if timeframe == Timeframe.D1:
        return (times // 86400 + 3) // 7  # weeks starting Monday (1970-01-01 was a Thursday)
    return times // (365 * 86400)


# The names of `indicator_values`, in its order.
VALUE_NAMES = ("open", "close", "atr", "ema20", "ema50", "sma50", "adx", "plus_di", "minus_di", "macd_hist", "rsi",
               "stoch_k", "stoch_d", "band_position", "supertrend", "cloud_top", "cloud_bottom", "vwap", "volume_z",
               "structure_trend", "structure_event", "swing_high", "swing_low", "pattern", "chart_pattern",
               "return_5_atr", "return_20_atr", "higher_trend")
CLOUD_SHIFT = 26  # today's Ichimoku cloud was computed 26 bars ago
# The bars a row of `window_values` reads: itself and the CLOUD_SHIFT before it.
WINDOW_BARS = CLOUD_SHIFT + 1
# What `window_values` reads, from `series_values`.
WINDOW_INPUTS = ("open", "high", "low", "close", "atr", "bollinger_upper", "bollinger_lower", "span_a", "span_b")


def indicator_values(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None = None, *,
                     supertrend_direction: FloatArray | None = None, pattern_weights: Mapping[str, float] | None = None,
                     patterns: Sequence[ChartPattern] | None = None) -> dict[str, FloatArray]:
    """Every value the votes and the reasoning read, per bar (VALUE_NAMES). `supertrend_direction`, when
    given, is the Supertrend direction of these bars already computed in a batch with other instruments.
    `pattern_weights` weigh the chart patterns (1 each by default); `patterns`, when given, are the
    chart patterns already found (the live path gives those voting at the newest bar only, all it
    reads), else every pattern of the history is found here."""
    series = series_values(bars, timeframe, higher, supertrend_direction=supertrend_direction,
                           pattern_weights=pattern_weights, patterns=patterns)
    local = window_values(series)
    return {name: local[name] if name in local else series[name] for name in VALUE_NAMES}


def series_values(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None = None, *,
                  supertrend_direction: FloatArray | None = None, pattern_weights: Mapping[str, float] | None = None,
                  patterns: Sequence[ChartPattern] | None = None,
                  atr: FloatArray | None = None) -> dict[str, FloatArray]:
    """The values of `indicator_values` whose row depends on the bars before it (moving averages,
    Wilder smoothing, swings, sessions), per bar, with the WINDOW_INPUTS that `window_values` reads.
    The arguments are `indicator_values`' and `atr`, the ATR(14) of these bars when already computed."""
    o, h, lo, c, v = bars.open, bars.high, bars.low, bars.close, bars.volume
    if supertrend_direction is None:
        _, supertrend_direction = ind.supertrend(h, lo, c)
    if atr is None:
        atr = ind.atr(h, lo, c, 14)
    adx, plus_di, minus_di = ind.adx(h, lo, c, 14)
    _, _, hist = ind.macd(c)
    k, d = ind.stochastic(h, lo, c)
    upper, _, lower = ind.bollinger(c)
    cloud = ind.ichimoku(h, lo)
    events = structure_events(h, lo, c)
    return {
        "open": o, "high": h, "low": lo, "close": c, "atr": atr, "ema20": ind.ema(c, 20), "ema50": ind.ema(c, 50),
        "sma50": ind.sma(c, 50), "adx": adx, "plus_di": plus_di, "minus_di": minus_di, "macd_hist": hist,
        "rsi": ind.rsi(c, 14), "stoch_k": k, "stoch_d": d, "bollinger_upper": upper, "bollinger_lower": lower,
        "supertrend": supertrend_direction, "span_a": cloud["span_a"], "span_b": cloud["span_b"],
        "vwap": ind.vwap(h, lo, c, v, session_ids(bars.time, timeframe)), "volume_z": ind.volume_zscore(v, 20),
        "structure_trend": events.trend.astype(float), "structure_event": events.event.astype(float),
        "swing_high": events.swing_high, "swing_low": events.swing_low,
        "chart_pattern": chart_pattern_vote(chart_patterns(h, lo, c, v, atr) if patterns is None else patterns,
                                            len(c), pattern_weights or {}),
        "higher_trend": higher_trend_vote(bars, timeframe, higher),
    }


def window_values(x: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    """The values of `indicator_values` whose row reads only the WINDOW_BARS bars up to it (the candle
    patterns, the Bollinger position, the Ichimoku cloud and the returns in ATRs), from WINDOW_INPUTS,
    per bar along the last axis: the same formulas give every bar of one history and, on the stacked
    newest windows of many instruments (a row each), the newest bar of each."""
    c, atr, upper, lower = x["close"], x["atr"], x["bollinger_upper"], x["bollinger_lower"]
    cloud_top, cloud_bottom = np.full(c.shape, np.nan), np.full(c.shape, np.nan)
    if c.shape[-1] > CLOUD_SHIFT:
        span_a, span_b = x["span_a"][..., :-CLOUD_SHIFT], x["span_b"][..., :-CLOUD_SHIFT]
        cloud_top[..., CLOUD_SHIFT:], cloud_bottom[..., CLOUD_SHIFT:] = np.maximum(span_a, span_b), np.minimum(span_a,
                                                                                                                span_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        band_position = (c - lower) / (upper - lower)
        return_5_atr, return_20_atr = _change(c, 5) / atr, _change(c, 20) / atr
    return {"band_position": band_position, "cloud_top": cloud_top, "cloud_bottom": cloud_bottom,
            "pattern": pattern_vote(candle_patterns(x["open"], x["high"], x["low"], c)),
            "return_5_atr": return_5_atr, "return_20_atr": return_20_atr}


def _change(close: FloatArray, bars: int) -> FloatArray:
    """close - the close `bars` earlier along the last axis (NaN before it)."""
    out = np.full(close.shape, np.nan)
    out[..., bars:] = close[..., bars:] - close[..., :-bars]
    return out


def votes_from(x: Mapping[str, FloatArray]) -> FloatArray:
    """Each component's vote in [-1, 1] from the indicator values, element by element: [..., n_components].

    The same formulas serve every bar of one history (training, backtests) and the newest bar of many
    instruments at once (the live batch)."""
    c, ema20, ema50, adx, atr = x["close"], x["ema20"], x["ema50"], x["adx"], x["atr"]
    trend = np.sign(ema20 - ema50)
    with np.errstate(invalid="ignore", divide="ignore"):
        votes = {
            "trend": trend * np.where(np.sign(c - ema20) == trend, 1.0, 0.5),
            "adx": np.where(adx >= 20, np.sign(x["plus_di"] - x["minus_di"]) * np.minimum(adx / 40, 1.0), 0.0),
            "macd": _clip(x["macd_hist"] / (0.1 * atr)),
            "rsi": _clip((x["rsi"] - 50) / 25),
            "stochastic": _stochastic_vote(x["stoch_k"], x["stoch_d"]),
            "bollinger": _clip((0.5 - x["band_position"]) * 2) * np.where(adx < 20, 1.0, 0.3),
            "supertrend": x["supertrend"],
            "ichimoku": np.where(c > x["cloud_top"], 1.0, np.where(c < x["cloud_bottom"], -1.0, 0.0)),
            "vwap": np.sign(c - x["vwap"]) * np.minimum(np.abs(c - x["vwap"]) / atr, 1.0),
            "volume": np.sign(c - x["open"]) * np.clip(np.nan_to_num(x["volume_z"]) / 2, 0, 1),
            "structure": x["structure_trend"],
            "pattern": x["pattern"],
            "chart_pattern": x["chart_pattern"],
            "higher_trend": x["higher_trend"],
        }
    return np.stack([votes[name] for name in COMPONENTS], axis=-1)


def _stochastic_vote(k: FloatArray, d: FloatArray) -> FloatArray:
    """+1 when %K turns up through %D below 20, -1 when it turns down above 80."""
    return np.where((k < 20) & (k > d), 1.0, np.where((k > 80) & (k < d), -1.0, 0.0))


def component_votes(bars: BarArrays, timeframe: Timeframe, higher: BarArrays | None = None, *,
                    supertrend_direction: FloatArray | None = None,
                    pattern_weights: Mapping[str, float] | None = None) -> Votes:
    """Every component's vote on every bar (NaN inside the warm-up), with the values behind them."""
    values = indicator_values(bars, timeframe, higher, supertrend_direction=supertrend_direction,
                              pattern_weights=pattern_weights)
    matrix = votes_from(values)
    matrix[: MIN_BARS - 1] = np.nan
    return Votes(names=COMPONENTS, votes=matrix, context=values)


SESSION_FEATURES = ("session_asia", "session_london", "session_new_york")
# Stationary features seen from the signal's side (side = sign of the score, so +1 always means "for the
# trade"): the votes, the distances of the close to its EMAs and the returns over 5 and 20 bars in ATRs.
SIDE_FEATURES = (*(f"side_vote_{n}" for n in COMPONENTS), "abs_score", "side_close_ema20_atr",
                 "side_ema20_ema50_atr", "side_return_5_atr", "side_return_20_atr", "side_rsi", "adx_scaled")
FEATURE_NAMES = [f"vote_{n}" for n in COMPONENTS] + ["score", *SESSION_FEATURES, *SIDE_FEATURES]


def feature_rows(votes: FloatArray, score: FloatArray, times: IntArray, forex: bool | Sequence[bool],
                 values: Mapping[str, FloatArray]) -> FloatArray:
    """The model's features per row (FEATURE_NAMES): every vote, the score, for forex (else 0) the
    sessions open at the bar, then SIDE_FEATURES from the indicator `values` of the same rows.
    `forex` is one flag for all rows or one per row."""
    is_forex = np.broadcast_to(np.asarray(forex, dtype=bool), score.shape)
    sessions = np.zeros((len(score), len(SESSION_FEATURES)))
    if is_forex.any():
        open_now = forex_sessions(times[is_forex])
        sessions[is_forex] = np.column_stack([open_now[name.removeprefix("session_")] for name in SESSION_FEATURES])
    side = np.sign(np.nan_to_num(score))[:, None]
    atr = values["atr"]
    with np.errstate(invalid="ignore", divide="ignore"):
        moves = np.column_stack([(values["close"] - values["ema20"]) / atr, (values["ema20"] - values["ema50"]) / atr,
                                 values["return_5_atr"], values["return_20_atr"], (values["rsi"] - 50) / 50])
    oriented = np.clip(np.nan_to_num(moves, posinf=0.0, neginf=0.0) * side, -5, 5)
    return np.column_stack([votes, score, sessions, votes * side, np.abs(score), oriented,
                            np.nan_to_num(values["adx"]) / 50])


def scores(votes: FloatArray, strategy: StrategyConfig) -> tuple[FloatArray, FloatArray]:
    """(score per row in [-1, 1], contributions [rows, n_components]) with the strategy's weights."""
    weights = np.array([strategy.weights.get(name, 0.0) for name in COMPONENTS])
    contributions = votes * weights / weights.sum()
    return contributions.sum(axis=-1), contributions


CHART_NAMES = {"M1": "1-minute", "M5": "5-minute", "M15": "15-minute", "M30": "30-minute", "H1": "hourly",
               "H4": "4-hour", "D1": "daily", "W1": "weekly", "MN1": "monthly"}

# What the reasoning quotes: the indicator values at the signal's bar, and "higher_timeframe" (a Timeframe
# value, "" when there is none).
ReasoningContext: TypeAlias = Mapping[str, float | str]
# Each component's words, from its vote's sign (+1 or -1) and the context.
Phrase: TypeAlias = Callable[[float, ReasoningContext], str]
PHRASES: dict[str, Phrase] = {
    "trend": lambda s, x: f"{'up' if s > 0 else 'down'}trend (EMA20 {'above' if s > 0 else 'below'} EMA50)",
    "adx": lambda s, x: f"ADX {x['adx']:.0f} with {'+DI' if s > 0 else '-DI'} leading",
    "macd": lambda s, x: f"MACD {'above' if s > 0 else 'below'} its signal line",
    "rsi": lambda s, x: f"RSI at {x['rsi']:.0f}",
    "stochastic": lambda s, x: f"Stochastic at {x['stoch_k']:.0f} turning {'up' if s > 0 else 'down'}",
    "bollinger": lambda s, x: f"price near the {'lower' if s > 0 else 'upper'} Bollinger band",
    "supertrend": lambda s, x: f"Supertrend {'up' if s > 0 else 'down'}",
    "ichimoku": lambda s, x: f"price {'above' if s > 0 else 'below'} the Ichimoku cloud",
    "vwap": lambda s, x: f"price {'above' if s > 0 else 'below'} VWAP",
    "volume": lambda s, x: f"high volume on a{'n up' if s > 0 else ' down'} bar",
    "structure": lambda s, x: f"{'bullish' if s > 0 else 'bearish'} market structure",
    "pattern": lambda s, x: f"{'bullish' if s > 0 else 'bearish'} reversal candle",
    "chart_pattern": lambda s, x: f"a {'bullish' if s > 0 else 'bearish'} chart pattern breakout",
    "higher_trend": lambda s, x: (f"{'up' if s > 0 else 'down'}trend on the "
                                  f"{_chart_name(x['higher_timeframe'])} chart"),
}


def _chart_name(timeframe: float | str) -> str:
    """"daily" for D1 and so on; a timeframe it has no name for, as it is."""
    name = str(timeframe)
    return CHART_NAMES.get(name, name)


def reasoning(contributions: dict[str, float], context_at: ReasoningContext, *, direction: str, limit: int = 5) -> str:
    """The strongest contributions in the signal's direction, in words, strongest first; then the
    notable ones against it (beyond 0.05 of the score), strongest first, in the same words."""
    side = 1 if direction == "BUY" else -1
    ranked = sorted((c for c in contributions.items() if c[1] * side > 0), key=lambda c: -abs(c[1]))[:limit]
    against = sorted((c for c in contributions.items() if c[1] * side < -0.05), key=lambda c: -abs(c[1]))
    text = ", ".join(PHRASES[name](np.sign(value), context_at) for name, value in ranked)
    if against:
        text += "; against: " + ", ".join(PHRASES[name](np.sign(value), context_at) for name, value in against)
    return text[:1].upper() + text[1:] + "."


def chart_patterns_note(patterns: Sequence[ChartPattern], *, direction: str, timeframe: str, precision: int) -> str:
    """The chart patterns voting at the signal's bar in words, those for the trade first:
    "Inverse head and shoulders confirmed on H4, neckline 1.0842; against: ..." ("" without any)."""
    side = 1 if direction == "BUY" else -1
    sentences = []
    for group in ([p for p in patterns if p.direction == side], [p for p in patterns if p.direction != side]):
        sentences.append(", ".join(p.describe(timeframe, precision) for p in group))
    text = sentences[0] or ""
    if sentences[1]:
        text = f"{text}; against: {sentences[1]}" if text else f"Against: {sentences[1]}"
    return text + "." if text else ""


def key_levels_note(*, direction: str, entry: float, target_1: float, atr: float, support: Level | None,
                    resistance: Level | None, retracements: dict[float, float] | None, precision: int) -> str:
    """The reference levels around a signal in words: the nearest support and resistance (and a
    warning when the one in the trade's way, formed by two swings or more, comes before target 1),
    and the Fibonacci retracement of the last swing the entry sits on (within a quarter ATR), if any."""
    def price(value: float) -> str:
        return f"{value:.{precision}f}"

    parts = []
    for name, level in (("support", support), ("resistance", resistance)):
        if level is not None:
            parts.append(f"{name} {price(level.price)} ({level.touches} swing{'s' * (level.touches > 1)})")
    in_the_way = resistance if direction == "BUY" else support
    text = "Key levels: " + ", ".join(parts) if parts else ""
    # Compared at the price's precision: a target placed at the level (rounded to the tick) is not before it.
    if in_the_way is not None and in_the_way.touches > 1 and abs(round(in_the_way.price, precision) - entry) < abs(
            target_1 - entry):
        text += f"; the {'resistance' if direction == 'BUY' else 'support'} lies before target 1"
    near = [(ratio, at) for ratio, at in (retracements or {}).items() if abs(at - entry) <= 0.25 * atr]
    if near:
        ratio, at = min(near, key=lambda item: abs(item[1] - entry))
        text += ("; " if text else "") + f"entry at the {ratio * 100:.1f}% retracement of the last swing ({price(at)})"
    return text[:1].upper() + text[1:] + "." if text else ""
