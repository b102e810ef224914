"""The news sentiment component: the recent scored news of an instrument as a vote in [-1, 1]. No Django.

    weight_i = relevance_i * 0.5 ** (age_i / half_life)        age_i = at - published_i (s)
    vote     = sum(weight_i * sentiment_i) / sum(weight_i)     over the items with 0 < age_i <= window

Only items published strictly before `at` (the bar's close) count, so a bar never sees later news; an item
whose sentiment or relevance is not a finite number does not count either. The vote is silent (0, no
items) when nothing was published inside the window. The reasoning's sentence prints the vote itself (the
weighted mean), the figure its leaning is read from. How much it moves the
score is the strategy's `news_weight` (0 by default: not measured to help yet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market.arrays import FloatArray, IntArray

MIN_WINDOW_SECONDS = 6 * 3600
# A vote (or an item's sentiment) under this in size reads as neutral: Alpha Vantage's own "Neutral" band.
NEUTRAL_BAND = 0.15


@dataclass(frozen=True)
class NewsScores:
    """An instrument's scored news, oldest first."""

    published: IntArray  # epoch s
    sentiment: FloatArray  # -1..1, on the instrument's side
    relevance: FloatArray  # 0..1


@dataclass(frozen=True)
class NewsSentiment:
    vote: float  # -1..1, the relevance- and recency-weighted mean sentiment; 0 when silent
    items: int  # how many items counted
    window_seconds: int

    @property
    def silent(self) -> bool:
        return self.items == 0


def news_window_seconds(timeframe_seconds: int) -> int:
    """How far back news counts at a bar: one bar of the timeframe, and never under 6 hours."""
    return max(MIN_WINDOW_SECONDS, timeframe_seconds)


def news_sentiment(news: NewsScores | None, *, at: int, window_seconds: int,
                   half_life_seconds: float | None = None) -> NewsSentiment:
    """The vote of the news published in [at - window, at) (epoch s); half-life defaults to half the window."""
    half_life = half_life_seconds or window_seconds / 2
    silent = NewsSentiment(vote=0.0, items=0, window_seconds=window_seconds)
    if news is None or not len(news.published):
        return silent
    age = at - news.published
    fresh = (age > 0) & (age <= window_seconds) & np.isfinite(news.sentiment) & np.isfinite(news.relevance)
    weights = news.relevance[fresh] * 0.5 ** (age[fresh] / half_life)
    if not fresh.any() or weights.sum() <= 0:
        return silent
    vote = float(np.clip((weights * news.sentiment[fresh]).sum() / weights.sum(), -1.0, 1.0))
    return NewsSentiment(vote=round(vote, 6), items=int(fresh.sum()), window_seconds=window_seconds)


def news_votes(news: NewsScores | None, *, closes: IntArray, window_seconds: int) -> FloatArray:
    """`news_sentiment(...).vote` at each bar close time in `closes` (epoch s): for measuring it on a history."""
    return np.array([news_sentiment(news, at=int(at), window_seconds=window_seconds).vote for at in closes])


def with_news(score: float, component_weights: float, news_weight: float, vote: float) -> float:
    """The confluence score with the news vote weighed in: (score * W + w_news * vote) / (W + w_news),
    W the components' total weight; unchanged when the news weight is 0 or the news is silent."""
    if news_weight <= 0:
        return score
    return (score * component_weights + news_weight * vote) / (component_weights + news_weight)


def sentiment_label(vote: float) -> str:
    """"positive" at NEUTRAL_BAND or more, "negative" at -NEUTRAL_BAND or less, else "neutral"."""
    return "positive" if vote >= NEUTRAL_BAND else "negative" if vote <= -NEUTRAL_BAND else "neutral"


def news_note(sentiment: NewsSentiment, *, weighed: bool) -> str:
    """The reasoning's sentence: "News sentiment negative: 4 items in the last 6 h, weighted mean -0.42." ("" when
    silent): the figure is the vote the leaning is read from."""
    if sentiment.silent:
        return ""
    leaning = sentiment_label(sentiment.vote)
    hours = sentiment.window_seconds / 3600
    window = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
    items = f"{sentiment.items} item{'s' * (sentiment.items != 1)}"
    note = f"News sentiment {leaning}: {items} in the last {window}, weighted mean {sentiment.vote:+.2f}"
    return note + ("." if weighed else " (not weighed in the score).")
