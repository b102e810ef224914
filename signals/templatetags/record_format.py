"""Filters of the track record's and screener's pages: fractions as percentages, R multiples, figures
that may be missing (None shows as an en dash, never as 0)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

from signals.engine.sentiment import sentiment_label

register = template.Library()
MISSING = "–"


@register.filter
def pct(fraction: float | None, places: int = 1) -> str:
    """0.4712 -> "47.1%"."""
    return MISSING if fraction is None else f"{100 * fraction:.{places}f}%"


@register.filter
def r_value(value: float | None, places: int = 2) -> str:
    """0.25 -> "+0.25 R"."""
    return MISSING if value is None else f"{value:+.{places}f} R"


@register.filter
def figure(value: float | None, places: int = 2) -> str:
    """A number at `places` decimals, or the dash."""
    return MISSING if value is None else f"{value:.{places}f}"


@register.filter
def signed_pct(value: float | None, places: int = 2) -> str:
    """A change already in % (1.234 -> "+1.23%")."""
    return MISSING if value is None else f"{value:+.{places}f}%"


@register.filter
def get_label(mapping: dict, key: str) -> str:
    """mapping[key], or the key itself (a dimension's label, a group's value)."""
    return str(mapping.get(key, key))


@register.filter
def words(value: str | None) -> str:
    """A code as words: "trending_up" -> "trending up"."""
    return "" if value is None else str(value).replace("_", " ")


@register.filter
def iso_time(text: str | None) -> datetime | None:
    """An ISO 8601 time as stored in JSON ("2026-12-03T06:00:00Z") as a datetime, for the `date` filter."""
    return parse_datetime(text) if text else None


@register.filter
def sentiment_word(vote: float | None) -> str:
    """A news vote as a word: "positive", "negative" or "neutral" (signals.engine.sentiment.NEUTRAL_BAND)."""
    return "" if vote is None else sentiment_label(vote)


@register.filter
def signed_points(fraction: float | None) -> str:
    """A difference of two rates in percentage points (0.1667 -> "+16.7 pts"), or the dash."""
    return MISSING if fraction is None else f"{100 * fraction:+.1f} pts"


@register.filter
def news_value_rows(value) -> list[tuple[str, object]]:
    """The groups of a SentimentValue (signals.engine.sentiment_value) as (label, HitRate), in reading order."""
    return [("News agreed with the signal", value.agree), ("News disagreed", value.disagree),
            ("News neutral", value.neutral), ("No fresh news", value.no_news),
            ("All (news weight 0)", value.without), (f"Kept at news weight {value.weight:g}", value.with_news)]
