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


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds as the two largest units: "2 d 4 h", "5 h 30 min", "12 min"."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
