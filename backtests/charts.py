"""The backtest pages' charts drawn on the server: several lines in one SVG (the Monte Carlo cone, the
compared equity curves) and the optimisation heatmap's cells. No script, no inline style: the lines'
colours are CSS classes (static/css/pages-backtests.css). One line alone is portfolios.charts.line_chart."""

from __future__ import annotations

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 640, 200, 4
HEAT_LEVELS = 5


def lines_chart(series: list[tuple[str, list[float]]], *, label: str,
                baseline: float | None = None) -> SafeString:
    """The lines of `series` ((name, values oldest first), each stretched over the width) on one scale,
    named in the caption with their colour; a dashed line at `baseline` when given."""
    drawn = [(name, values) for name, values in series if len(values) >= 2]
    if not drawn:
        return format_html('<p class="muted">{}: not enough points.</p>', label)
    every = [v for _, values in drawn for v in values] + ([baseline] if baseline is not None else [])
    low, high = min(every), max(every)
    span = (high - low) or 1.0

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD), 1)

    lines = []
    for number, (_, values) in enumerate(drawn):
        step = (WIDTH - 2 * PAD) / (len(values) - 1)
        points = " ".join(f"{round(PAD + n * step, 1)},{y(v)}" for n, v in enumerate(values))
        lines.append((number % 6, points))
    base = ""
    if baseline is not None:
        base = f'<line class="baseline" x1="0" x2="{WIDTH}" y1="{y(baseline)}" y2="{y(baseline)}"/>'
    return format_html(
        '<figure class="svg-chart"><svg role="img" aria-label="{label}" viewBox="0 0 {w} {h}" width="100%" '
        'height="{h}" preserveAspectRatio="none">{base}{lines}</svg><figcaption class="muted">{label}: {names}; '
        'low {low}, high {high}</figcaption></figure>',
        label=label, w=WIDTH, h=HEIGHT, base=SafeString(base),
        lines=format_html_join("", '<polyline class="line line-{}" vector-effect="non-scaling-stroke" points="{}"/>',
                               lines),
        names=format_html_join(", ", '<span class="swatch line-{}">{}</span>',
                               ((n % 6, name) for n, (name, _) in enumerate(drawn))),
        low=_figure(low), high=_figure(high))


def _figure(value: float) -> str:
    """Two decimals, never "-0.00" (a drawdown that never went below zero is -0.0 or a rounding's breath)."""
    text = f"{value:,.2f}"
    return "0.00" if text == "-0.00" else text


def heat_rows(rows: list[list[float | None]]) -> list[list[tuple[str, int | None]]]:
    """Each cell's figure written out and its level 0..HEAT_LEVELS-1 (low to high; None for no figure)."""
    values = [v for row in rows for v in row if v is not None and math.isfinite(v)]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    span = high - low

    def level(value: float | None) -> int | None:
        if value is None or not math.isfinite(value):
            return None
        return min(int((value - low) / span * HEAT_LEVELS), HEAT_LEVELS - 1) if span else HEAT_LEVELS - 1

    return [[("—" if v is None else f"{v:,.2f}", level(v)) for v in row] for row in rows]
