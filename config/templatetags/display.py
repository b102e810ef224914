"""How the website writes numbers and times: prices at the instrument's precision (the one place a
price is rounded for display), signed figures, the API's UTC timestamps as datetimes (shown in the
member's zone by Django's `date` filter), durations and outcome results in words."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import pluralize

from signals.models import OutcomeResult

register = template.Library()


@register.filter
def price(value, instrument_or_precision) -> str:
    """`value` at the instrument's `price_precision` decimal places (or at the given number of places),
    with thousands separators: 1.08412 (EURUSD, 5), 42,350.50 (BTCUSD, 2). Empty for None."""
    if value is None or value == "":
        return ""
    places = getattr(instrument_or_precision, "price_precision", instrument_or_precision)
    try:
        return f"{float(value):,.{int(places if places is not None else 2)}f}"
    except (TypeError, ValueError):
        return ""


@register.filter
def signed(value, places: int = 2) -> str:
    """A number with its sign always written (+1.50, -0.75): R multiples, changes in percent."""
    if value is None or value == "":
        return ""
    return f"{float(value):+.{int(places)}f}"


@register.filter
def iso_time(value) -> datetime | None:
    """An ISO 8601 UTC timestamp as the API writes it ("2026-03-02T15:00:02.118000Z") as an aware datetime."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@register.filter
def delay_words(seconds) -> str:
    """A delay in its largest whole unit: "1 hour", "15 minutes", "90 seconds"."""
    seconds = int(seconds or 0)
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}{pluralize(seconds // size)}"
    return f"{seconds} second{pluralize(seconds)}"


@register.filter
def result_words(result) -> str:
    """An outcome's result as a subscriber reads it: "Target 1", "Stop", "Expired"."""
    try:
        return OutcomeResult(result).label
    except ValueError:
        return str(result or "")


@register.filter
def get_item(mapping, key):
    """mapping[key], or None: a dict looked up by a variable in a template."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def words(name) -> str:
    """A code name as words: "trending_up" -> "trending up"."""
    return str(name or "").replace("_", " ")
