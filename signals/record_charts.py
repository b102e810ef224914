"""Geometry of the track record's charts, drawn by the templates as inline SVG: the equity curve in R,
its drawdown, and the reliability diagram. Plain Python and numpy, no Django.

Coordinates are in the SVG's user units: x from 0 at the left, y from 0 at the top.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from signals.engine.track_record import CalibrationBand

MAX_POINTS = 400  # a longer curve is thinned to this many points (its ends and extremes kept)


@dataclass(frozen=True)
class EquityChart:
    width: int
    height: int
    equity_points: str  # polyline of cumulative R after each outcome, starting at 0
    drawdown_points: str  # polygon of the fall from the running peak, hanging from the top
    zero_y: float  # where 0 R is on the equity chart
    top_r: float  # the highest and lowest cumulative R drawn
    bottom_r: float
    final_r: float
    max_drawdown_r: float
    count: int


def _thinned(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices of at most about `max_points` values: evenly spaced, plus each slice's min and max."""
    if values.size <= max_points:
        return np.arange(values.size)
    edges = np.linspace(0, values.size, max_points // 2 + 1, dtype=int)
    keep = {0, values.size - 1}
    for start, stop in itertools.pairwise(edges):
        if stop > start:
            chunk = values[start:stop]
            keep.update((start + int(np.argmin(chunk)), start + int(np.argmax(chunk))))
    return np.array(sorted(keep))


def equity_chart(r_multiples: Sequence[float], *, width: int = 320, height: int = 90,
                 drawdown_height: int = 40) -> EquityChart:
    """The cumulative R after each outcome (in the order they closed, from 0) and its drawdown from the
    running peak (as `signals.engine.track_record.max_drawdown` measures it)."""
    r = np.asarray(r_multiples, dtype=float)
    r = np.where(np.isfinite(r), r, 0.0)
    equity = np.concatenate(([0.0], np.cumsum(r)))
    drawdown = np.maximum.accumulate(equity) - equity
    top, bottom = max(float(equity.max()), 0.0), min(float(equity.min()), 0.0)
    span = (top - bottom) or 1.0
    deepest = float(drawdown.max()) or 1.0
    keep = _thinned(equity, MAX_POINTS)
    xs = keep * (width / max(equity.size - 1, 1))
    ys = (top - equity[keep]) / span * height
    dd = drawdown[keep] / deepest * drawdown_height
    equity_points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    drawdown_points = " ".join(["0,0", *(f"{x:.1f},{d:.1f}" for x, d in zip(xs, dd, strict=True)),
                                f"{xs[-1]:.1f},0"])
    return EquityChart(width=width, height=height, equity_points=equity_points, drawdown_points=drawdown_points,
                       zero_y=round(top / span * height, 1), top_r=round(top, 2), bottom_r=round(bottom, 2),
                       final_r=round(float(equity[-1]), 2), max_drawdown_r=round(float(drawdown.max()), 2),
                       count=int(r.size))


@dataclass(frozen=True)
class ReliabilityPoint:
    band: str
    count: int
    predicted: float
    realised: float
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class ReliabilityChart:
    size: int
    points: list[ReliabilityPoint]  # empty when no signal carried a confidence
    base_rate: float | None  # the outcome base rate: the naive forecaster's one prediction
    base_rate_y: float | None
    ticks: list[tuple[float, float, str]]  # x, y and label of 0, 0.25, ... 1 on both axes


def reliability_chart(calibration: Sequence[CalibrationBand], *, base_rate: float | None,
                      size: int = 220) -> ReliabilityChart:
    """Each confidence band as a point (mean predicted confidence across, realised hit rate up), its area
    growing with its count; the base rate as a level line."""
    largest = max((band["count"] for band in calibration), default=1)
    points = [ReliabilityPoint(band=band["band"], count=band["count"], predicted=band["predicted"],
                               realised=band["realised"], x=round(band["predicted"] * size, 1),
                               y=round((1 - band["realised"]) * size, 1),
                               radius=round(3 + 9 * math.sqrt(band["count"] / largest), 1))
              for band in calibration]
    ticks = [(round(fraction * size, 1), round((1 - fraction) * size, 1), f"{fraction:g}")
             for fraction in (0, 0.25, 0.5, 0.75, 1)]
    base_rate_y = None if base_rate is None else round((1 - base_rate) * size, 1)
    return ReliabilityChart(size=size, points=points, base_rate=base_rate, base_rate_y=base_rate_y, ticks=ticks)
