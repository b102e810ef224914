"""Whether a confidence model has skill out of sample, and which model version is active. No Django.

- Brier skill score against the base rate: BSS = 1 - Brier(model) / Brier(base rate), both on the same
  out-of-sample predictions (the base rate is the training base rate of each fold). Positive means
  the model's probabilities are closer to what happened than the constant base rate; 0 is a tie.
- Its 95% interval: a moving-block bootstrap over the predictions in time order (blocks of
  BLOCK_LENGTH consecutive predictions, so signals that overlap in time are resampled together and
  their correlation does not narrow the interval), 2.5th and 97.5th percentiles of the resampled BSS.
- Activation: the active version is the one with the highest BSS among those whose BSS is positive
  and whose interval's lower end is above zero; none qualifies, none is active. A new version
  without skill never replaces an active one, and one with less skill neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from market.arrays import FloatArray

BLOCK_LENGTH = 20
RESAMPLES = 1000


def brier(predicted: FloatArray, actual: FloatArray) -> float:
    return float(np.mean((predicted - actual) ** 2))


def brier_skill_score(predicted: FloatArray, actual: FloatArray, baseline: FloatArray) -> float:
    """1 - Brier(predicted) / Brier(baseline); NaN when the baseline is perfect (Brier 0)."""
    reference = brier(baseline, actual)
    return 1 - brier(predicted, actual) / reference if reference > 0 else float("nan")


def bss_interval(predicted: FloatArray, actual: FloatArray, baseline: FloatArray, *, seed: int,
                 resamples: int = RESAMPLES, block: int = BLOCK_LENGTH) -> tuple[float, float]:
    """The moving-block bootstrap 95% interval of the BSS (rows in time order)."""
    n = len(actual)
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    blocks = math.ceil(n / block)
    starts = rng.integers(0, n - block + 1, size=(resamples, blocks))
    rows = (starts[:, :, None] + np.arange(block)).reshape(resamples, -1)[:, :n]
    model_se = ((predicted - actual) ** 2)[rows].mean(axis=1)
    base_se = ((baseline - actual) ** 2)[rows].mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = 1 - model_se / base_se
    scores = scores[np.isfinite(scores)]
    if not scores.size:
        return float("nan"), float("nan")
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def log_loss(predicted: FloatArray, actual: FloatArray) -> float:
    """Mean negative log likelihood, in nats (probabilities clipped to [1e-15, 1 - 1e-15])."""
    p = np.clip(predicted, 1e-15, 1 - 1e-15)
    return float(-np.mean(actual * np.log(p) + (1 - actual) * np.log(1 - p)))


class GroupFigures(TypedDict):
    """The out-of-sample figures of one asset class and timeframe ("forex H1")."""

    group: str
    count: int
    hit_rate: float
    brier: float
    baseline_brier: float
    bss: float | None


def group_figures(predicted: FloatArray, actual: FloatArray, baseline: FloatArray,
                  groups: npt.NDArray[np.str_]) -> list[GroupFigures]:
    """The figures of each group, sorted by group name."""
    table: list[GroupFigures] = []
    for name in sorted(set(groups.tolist())):
        rows = groups == name
        bss = brier_skill_score(predicted[rows], actual[rows], baseline[rows])
        table.append({"group": str(name), "count": int(rows.sum()), "hit_rate": round(float(actual[rows].mean()), 4),
                      "brier": round(brier(predicted[rows], actual[rows]), 4),
                      "baseline_brier": round(brier(baseline[rows], actual[rows]), 4),
                      "bss": round(bss, 4) if math.isfinite(bss) else None})
    return table


@dataclass(frozen=True)
class Skill:
    """A model version's out-of-sample skill, as the activation rule reads it."""

    key: int  # the caller's id for the version
    bss: float | None
    bss_low: float | None

    @property
    def proven(self) -> bool:
        """BSS above zero with the lower end of its 95% interval above zero too."""
        return self.bss is not None and self.bss_low is not None and self.bss > 0 and self.bss_low > 0


def active_choice(versions: Sequence[Skill]) -> Skill | None:
    """The version to make active: the highest BSS among those with proven skill (the newest of equals,
    i.e. the highest key), or None."""
    proven = [v for v in versions if v.proven]
    return max(proven, key=lambda v: (v.bss, v.key)) if proven else None


def skill_verdict(skill: Skill) -> str:
    """Why a version is or is not eligible, in words, with its figures."""
    if skill.bss is None or skill.bss_low is None:
        return "No out-of-sample Brier skill score: not eligible."
    figures = f"BSS {skill.bss:+.4f}, 95% interval from {skill.bss_low:+.4f}"
    if skill.proven:
        return f"{figures}: beats the base rate out of sample."
    if skill.bss <= 0:
        return f"{figures}: no better than the base rate out of sample, so not used."
    return f"{figures}: the interval reaches zero, so the edge is not proven and it is not used."
