"""Track-record statistics from recorded outcomes. No Django; never NaN or infinity.

- Hit rate of target 1 with its Wilson 95% score interval (z = 1.96).
- Average R, worst loss in R, total R; wins (R > 0) and losses (R < 0) with their average R.
- Expectancy in R per signal = P(win) x average win R + P(loss) x average loss R (a loss's R is
  negative), the standard definition; over R multiples it equals the average R.
- Profit factor = sum of winning R / |sum of losing R|; None when there is no loss (it would be
  infinite, and an infinite figure is not published).
- Max drawdown in R: the largest fall of cumulative R from a previous peak (starting at 0).
- Calibration: predicted confidence in 10 bands vs the realised hit rate, with counts; Brier score.

Every figure is a finite float or None (a non-finite input makes its figure None, never NaN in JSON).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from market.arrays import BoolArray, FloatArray

Z_95 = 1.959963984540054
# Earlier outcomes a signal's "record of similar setups" needs before its hit rate is shown (website, API
# and live feed alike): below it the rate is noise (one outcome reads as 100% or 0%; even at 30 its Wilson
# 95% interval is up to +-0.17 wide). The count is shown whatever it is.
SUCCESS_RATE_MIN_SAMPLE = 30


class CalibrationBand(TypedDict):
    """One confidence band: its range ("0.6-0.7"), how many signals, their mean predicted
    confidence and their realised hit rate (fractions, 4 places)."""

    band: str
    count: int
    predicted: float
    realised: float


@dataclass(frozen=True)
class TrackRecord:
    count: int
    hit_rate: float | None = None
    hit_rate_low: float | None = None
    hit_rate_high: float | None = None
    average_r: float | None = None
    expectancy_r: float | None = None
    profit_factor: float | None = None
    max_drawdown_r: float | None = None
    worst_r: float | None = None
    total_r: float | None = None
    wins: int = 0
    losses: int = 0
    average_win_r: float | None = None
    average_loss_r: float | None = None
    brier: float | None = None
    calibration: list[CalibrationBand] = field(default_factory=list)


def wilson_interval(hits: int, count: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if count == 0:
        return 0.0, 1.0
    p = hits / count
    denominator = 1 + z * z / count
    centre = (p + z * z / (2 * count)) / denominator
    half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / denominator
    return max(centre - half, 0.0), min(centre + half, 1.0)


def success_rate_shown(rate: float | None, *, sample_size: int) -> float | None:
    """A record's target-1 hit rate (fraction) as it is shown: None under SUCCESS_RATE_MIN_SAMPLE outcomes."""
    return rate if sample_size >= SUCCESS_RATE_MIN_SAMPLE else None


def max_drawdown(r_multiples: FloatArray) -> float:
    equity = np.concatenate(([0.0], np.cumsum(r_multiples)))
    return float(np.max(np.maximum.accumulate(equity) - equity))


def calibration_table(predicted: FloatArray, hit: BoolArray, bands: int = 10) -> list[CalibrationBand]:
    edges = np.linspace(0, 1, bands + 1)
    band = np.clip(np.digitize(predicted, edges[1:-1]), 0, bands - 1)
    table: list[CalibrationBand] = []
    for b in range(bands):
        members = band == b
        if members.any():
            table.append({"band": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "count": int(members.sum()),
                          "predicted": round(float(predicted[members].mean()), 4),
                          "realised": round(float(hit[members].mean()), 4)})
    return table


def _figure(value: float) -> float | None:
    """Rounded to 4 places; None when not finite."""
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def expectancy(r_multiples: npt.ArrayLike) -> float:
    """R a signal earns on average: P(win) x average win R + P(loss) x average loss R."""
    r = np.asarray(r_multiples, dtype=float)
    wins, losses = r[r > 0], r[r < 0]
    win_part = wins.size / r.size * wins.mean() if wins.size else 0.0
    loss_part = losses.size / r.size * losses.mean() if losses.size else 0.0
    return float(win_part + loss_part)


def track_record(r_multiples: npt.ArrayLike, target_1_hit: npt.ArrayLike,
                 confidence: npt.ArrayLike | None = None) -> TrackRecord:
    """The figures of outcomes in the order they closed (R multiples, whether target 1 was hit, and
    the confidence each signal was published with, NaN where it had none)."""
    r = np.asarray(r_multiples, dtype=float)
    hit = np.asarray(target_1_hit, dtype=bool)
    if r.size == 0:
        return TrackRecord(count=0)
    low, high = wilson_interval(int(hit.sum()), r.size)
    wins, losses = r[r > 0], r[r < 0]
    brier: float | None = None
    calibration: list[CalibrationBand] = []
    if confidence is not None:
        p = np.asarray(confidence, dtype=float)
        known = np.isfinite(p)
        if known.any():
            brier = _figure(np.mean((p[known] - hit[known]) ** 2))
            calibration = calibration_table(p[known], hit[known])
    return TrackRecord(count=int(r.size), hit_rate=_figure(hit.mean()), hit_rate_low=_figure(low),
                       hit_rate_high=_figure(high), average_r=_figure(r.mean()), expectancy_r=_figure(expectancy(r)),
                       profit_factor=_figure(wins.sum() / -losses.sum()) if losses.size else None,
                       max_drawdown_r=_figure(max_drawdown(r)), worst_r=_figure(r.min()), total_r=_figure(r.sum()),
                       wins=int(wins.size), losses=int(losses.size),
                       average_win_r=_figure(wins.mean()) if wins.size else None,
                       average_loss_r=_figure(losses.mean()) if losses.size else None,
                       brier=brier, calibration=calibration)
