"""Local sentiment for headlines a provider did not score: VADER, a lexicon model shipped inside the
vaderSentiment package (no download, no training). Its compound score is in [-1, 1]."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

VADER = "vader-3.3.2"  # the scorer's name stored beside each score it produced


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its lexicon file once


def headline_sentiment(headline: str) -> float:
    """VADER's compound score of `headline`, in [-1, 1] (0: neutral or no sentiment words)."""
    return round(float(_analyzer().polarity_scores(headline)["compound"]), 4)
