"""Charts as inline SVG, drawn on the server from numbers alone (no script, no library)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

WIDTH, HEIGHT, PAD = 640, 160, 4


def line_chart(values: list[float], *, label: str, baseline: float | None = None) -> SafeString:
    """An SVG line of `values` (oldest first) scaled to the box, with its low and high written beside it;
    a dashed line at `baseline` when given."""
    if len(values) < 2:
        return format_html('<p class="muted">{}: not enough marks yet.</p>', label)
    low, high = min(values), max(values)
    if baseline is not None:
        low, high = min(low, baseline), max(high, baseline)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / (len(values) - 1)

    def y(value: float) -> float:
        return round(HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD), 1)

    points = " ".join(f"{round(PAD + n * step, 1)},{y(v)}" for n, v in enumerate(values))
    base = ""
    if baseline is not None:
        base = f'<line x1="0" x2="{WIDTH}" y1="{y(baseline)}" y2="{y(baseline)}" stroke="#999" stroke-dasharray="4"/>'
    return format_html(
        '<figure><svg role="img" aria-label="{label}" viewBox="0 0 {w} {h}" width="100%" height="{h}" '
        'preserveAspectRatio="none">{base}<polyline fill="none" stroke="#1363df" stroke-width="1.5" '
        'vector-effect="non-scaling-stroke" points="{points}"/></svg>'
        '<figcaption class="muted">{label}: low {low}, high {high}, {count} marks</figcaption></figure>',
        label=label, w=WIDTH, h=HEIGHT, base=SafeString(base), points=points, low=f"{low:,.2f}",
        high=f"{high:,.2f}", count=len(values) - 1)
