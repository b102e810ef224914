"""The empirical-Bayes confidence: the strategy's own hit rate in the signal's cell, shrunk. No Django.

A cell is (asset class, timeframe, direction, regime, score band). With h target-1 hits out of n
past signals in a cell and the base rate p0 of all past signals, the confidence is the posterior
mean under a Beta(k p0, k (1 - p0)) prior:

    p = (h + k p0) / (n + k)

so a cell with few signals says close to p0 and a cell with many says close to h / n. The prior
strength k (in pseudo-signals) is fitted out of sample: the cells are counted on the older part of
the training samples and k is the one of PRIOR_GRID with the lowest Brier score on the newer part
(purged: only samples whose labels were known before that part began are counted). A very large k
gives p0 everywhere, so the model can at worst tie the base rate it is shrunk towards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from market.arrays import BoolArray, FloatArray, IntArray

StrArray: TypeAlias = npt.NDArray[np.str_]

# Upper edges of |score| bands below the last one; a signal's |score| is at least the strategy's threshold.
SCORE_BAND_EDGES = (0.55, 0.65)
PRIOR_GRID = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 1e6)
VALIDATION_SHARE = 0.25  # the newest quarter of a training window chooses k


def score_band(score: float) -> str:
    """The |score| band of a signal: "<0.55", "0.55-0.65" or ">=0.65"."""
    magnitude = abs(score)
    low, high = SCORE_BAND_EDGES
    if magnitude < low:
        return f"<{low:.2f}"
    return f"{low:.2f}-{high:.2f}" if magnitude < high else f">={high:.2f}"


def cell_key(*, asset_class: str, timeframe: str, direction: str, regime: str, score: float) -> str:
    """The cell of a signal as one string: "forex|H1|BUY|ranging|0.55-0.65"."""
    return "|".join((asset_class, timeframe, direction, regime, score_band(score)))


def shrunk_rates(hits: FloatArray, counts: FloatArray, base_rate: float, prior_strength: float) -> FloatArray:
    """Posterior mean hit rate per cell: (hits + k p0) / (counts + k)."""
    return (hits + prior_strength * base_rate) / (counts + prior_strength)


@dataclass(frozen=True)
class CellRates:
    """A fitted empirical-Bayes model: the counts per cell, the base rate and the prior strength."""

    base_rate: float
    prior_strength: float
    hits: dict[str, int]
    counts: dict[str, int]

    def confidence(self, features: FloatArray, cells: StrArray | list[str]) -> FloatArray:
        """P(target 1 before the stop) for each row's cell (features are not read)."""
        hits = np.array([self.hits.get(str(c), 0) for c in cells], dtype=float)
        counts = np.array([self.counts.get(str(c), 0) for c in cells], dtype=float)
        return shrunk_rates(hits, counts, self.base_rate, self.prior_strength)

    def to_bytes(self) -> bytes:
        return json.dumps({"base_rate": self.base_rate, "prior_strength": self.prior_strength, "hits": self.hits,
                           "counts": self.counts}, sort_keys=True).encode()

    @staticmethod
    def from_bytes(data: bytes) -> CellRates:
        raw = json.loads(data)
        return CellRates(base_rate=float(raw["base_rate"]), prior_strength=float(raw["prior_strength"]),
                         hits={k: int(v) for k, v in raw["hits"].items()},
                         counts={k: int(v) for k, v in raw["counts"].items()})


def count_cells(cells: StrArray, labels: IntArray | BoolArray) -> tuple[dict[str, int], dict[str, int]]:
    """(hits per cell, signals per cell)."""
    names, inverse = np.unique(cells, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(names))
    hits = np.bincount(inverse, weights=np.asarray(labels, dtype=float), minlength=len(names))
    return ({str(n): int(h) for n, h in zip(names, hits, strict=True)},
            {str(n): int(c) for n, c in zip(names, counts, strict=True)})


def fit_prior_strength(cells: StrArray, labels: IntArray, times: IntArray, ends: IntArray) -> float:
    """The k of PRIOR_GRID with the lowest Brier score on the newest VALIDATION_SHARE of the samples
    (time-ordered), counting only older samples whose labels ended before that share began; the
    largest k (the base rate) when there is nothing to validate on. Ties go to the larger k."""
    n = len(labels)
    start = int(n * (1 - VALIDATION_SHARE))
    if n < 20 or start >= n:
        return PRIOR_GRID[-1]
    known = np.flatnonzero(ends[:start] < times[start])
    if len(known) < 10:
        return PRIOR_GRID[-1]
    hits, counts = count_cells(cells[known], labels[known])
    base_rate = float(labels[known].mean())
    h = np.array([hits.get(str(c), 0) for c in cells[start:]], dtype=float)
    c = np.array([counts.get(str(c), 0) for c in cells[start:]], dtype=float)
    y = labels[start:].astype(float)
    best, best_brier = PRIOR_GRID[-1], np.inf
    for k in reversed(PRIOR_GRID):
        brier = float(np.mean((shrunk_rates(h, c, base_rate, k) - y) ** 2))
        if brier < best_brier - 1e-12:
            best, best_brier = k, brier
    return best


def fit_cell_rates(cells: StrArray, labels: IntArray, times: IntArray, ends: IntArray) -> CellRates:
    """Counts of every sample per cell, with the prior strength fitted out of sample on them."""
    hits, counts = count_cells(cells, labels)
    return CellRates(base_rate=float(np.mean(labels)), prior_strength=fit_prior_strength(cells, labels, times, ends),
                     hits=hits, counts=counts)
