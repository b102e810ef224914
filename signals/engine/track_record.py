"""Track-record statistics from recorded outcomes. No Django; never NaN or infinity.

- Hit rate of target 1 with its Wilson 95% score interval (z = 1.96).
- Average R, expectancy (= average R per signal), worst loss in R.
- Profit factor = sum of winning R / |sum of losing R|; None when there is no loss (it would be
  infinite, and an infinite figure is not published).
- Max drawdown in R: the largest fall of cumulative R from a previous peak (starting at 0).
- Calibration: predicted confidence in 10 bands vs the realised hit rate, with counts; Brier score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from market.arrays import BoolArray, FloatArray

Z_95 = 1.959963984540054


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


def track_record(r_multiples: npt.ArrayLike, target_1_hit: npt.ArrayLike,
                 confidence: npt.ArrayLike | None = None) -> TrackRecord:
    r = np.asarray(r_multiples, dtype=float)
    hit = np.asarray(target_1_hit, dtype=bool)
    if r.size == 0:
        return TrackRecord(count=0)
    low, high = wilson_interval(int(hit.sum()), r.size)
    losses, wins = -r[r < 0].sum(), r[r > 0].sum()
    brier: float | None = None
    calibration: list[CalibrationBand] = []
    if confidence is not None:
        p = np.asarray(confidence, dtype=float)
        known = np.isfinite(p)
        if known.any():
            brier = round(float(np.mean((p[known] - hit[known]) ** 2)), 4)
            calibration = calibration_table(p[known], hit[known])
    return TrackRecord(count=int(r.size), hit_rate=round(float(hit.mean()), 4), hit_rate_low=round(low, 4),
                       hit_rate_high=round(high, 4), average_r=round(float(r.mean()), 4),
                       expectancy_r=round(float(r.mean()), 4),
                       profit_factor=round(float(wins / losses), 4) if losses > 0 else None,
                       max_drawdown_r=round(max_drawdown(r), 4), worst_r=round(float(r.min()), 4), brier=brier,
                       calibration=calibration)
