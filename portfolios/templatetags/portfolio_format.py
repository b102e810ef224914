"""Template filters of the portfolio pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, places: int = 2) -> str:
    """A fraction as a percentage ("0.0312" -> "3.12%"); "not yet" for None."""
    if value is None or value == "":
        return "not yet"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def var_label(key: str) -> str:
    """"historical_95" -> "historical 95%"."""
    method, _, level = str(key).partition("_")
    return f"{method} {level}%"
