"""The confidence model: P(target 1 is hit before the stop within the validity window). No Django.

- Samples: every bar of a history whose confluence score passes the threshold, with the signal's
  own levels; the label is the triple-barrier outcome of those levels on the bars after it (1 if
  target 1 first, 0 if the stop first or expiry), computed by the same `outcomes.evaluate` that
  scores live signals. A sample's label is known only at its end index (used for purging).
- Features: FEATURE_NAMES, exactly the `features` of a SignalDraft (the votes, the score, the forex
  sessions, and stationary features seen from the signal's side); the product's classifier reads
  CLASSIFIER_FEATURES of them. Each sample
  also carries its cell (asset class, timeframe, direction, regime, score band) for the
  empirical-Bayes model (`empirical_bayes`) and its group (asset class and timeframe) for the report.
- Validation: purged walk-forward. Samples are ordered by time; each test fold is trained only on
  samples whose labels ended before the fold starts minus an embargo. Calibration (Platt) is
  fitted on the newest fifth of each training window, after the classifier is fitted on the rest.
  Every reported figure is out of sample: predictions on test folds never seen in training.
- Baselines, on the same test folds: the training base rate as a constant prediction, and the hit
  rate of always buying. Skill against the first is the Brier skill score with its bootstrap 95%
  interval (`skill`).
- Two kinds of model go through the same folds: the classifier (`fit_classifier`) and the
  empirical-Bayes cell rates (`fit_empirical_bayes`); both answer `confidence(features, cells)`.
Randomness is an argument (seed).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import joblib
import numpy as np
import numpy.typing as npt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from market.arrays import BarArrays, BoolArray, FloatArray, InstrumentSpec, IntArray
from market.timeframes import Timeframe
from signals.engine.confluence import (
    FEATURE_NAMES,
    SESSION_FEATURES,
    SIDE_FEATURES,
    component_votes,
    feature_rows,
    scores,
)
from signals.engine.empirical_bayes import CellRates, StrArray, cell_key, fit_cell_rates
from signals.engine.key_levels import key_levels
from signals.engine.levels import levels_for
from signals.engine.outcomes import SignalLevels, evaluate
from signals.engine.regime import regimes
from signals.engine.skill import GroupFigures, brier, brier_skill_score, bss_interval, group_figures, log_loss
from signals.engine.strategy import StrategyConfig
from signals.engine.track_record import CalibrationBand, calibration_table


def _no_strings() -> StrArray:
    return np.array([], dtype=str)


@dataclass
class Samples:
    features: FloatArray  # [n, k]
    labels: IntArray  # [n] 0/1
    times: IntArray  # [n] epoch s of the signal bar
    ends: IntArray  # [n] epoch s when the label became known
    buy: BoolArray  # [n] True for BUY
    names: list[str] = field(default_factory=list)
    cells: StrArray = field(default_factory=_no_strings)  # [n] empirical_bayes.cell_key ("" when unknown)
    groups: StrArray = field(default_factory=_no_strings)  # [n] "asset_class timeframe" ("" when unknown)

    def __post_init__(self) -> None:
        n = len(self.labels)
        if len(self.cells) != n:
            self.cells = np.full(n, "", dtype=object).astype(str)
        if len(self.groups) != n:
            self.groups = np.full(n, "", dtype=object).astype(str)

    def take(self, rows: IntArray | slice) -> Samples:
        """The samples at `rows`, in that order."""
        return Samples(self.features[rows], self.labels[rows], self.times[rows], self.ends[rows], self.buy[rows],
                       self.names, self.cells[rows], self.groups[rows])


def samples_from_history(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str,
                         strategy: StrategyConfig, higher: BarArrays | None = None) -> Samples:
    """Labelled samples from one instrument's history (labels only where the window has ended)."""
    timeframe = Timeframe(timeframe)
    votes = component_votes(bars, timeframe, higher, pattern_weights=strategy.pattern_weights)
    score, _ = scores(votes.votes, strategy)
    ctx = votes.context
    feature_matrix = feature_rows(votes.votes, score, bars.time, instrument.asset_class == "forex", ctx)
    regime = regimes(ctx["close"], ctx["adx"], ctx["atr"], ctx["sma50"])
    rows, labels, times, ends, buys, cells = [], [], [], [], [], []
    for t in np.flatnonzero(np.abs(np.nan_to_num(score)) >= strategy.threshold):
        direction = "BUY" if score[t] > 0 else "SELL"
        atr = float(ctx["atr"][t])
        levels = levels_for(direction=direction, close=float(bars.close[t]), atr=atr,
                            swing_low=float(ctx["swing_low"][t]), swing_high=float(ctx["swing_high"][t]),
                            instrument=instrument, strategy=strategy,
                            key_levels=key_levels(bars.high[:t + 1], bars.low[:t + 1], atr))
        if levels is None:
            continue
        outcome = evaluate(SignalLevels(direction=direction, entry=levels.entry, stop=levels.stop,
                                        targets=levels.targets, bar_time=int(bars.time[t]),
                                        valid_bars=strategy.validity_bars), bars)
        if outcome is None:
            continue  # still open at the end of the history
        rows.append(feature_matrix[t])
        labels.append(int(outcome.target_1_hit))
        times.append(int(bars.time[t]))
        ends.append(outcome.closed_bar_time)
        buys.append(direction == "BUY")
        cells.append(cell_key(asset_class=instrument.asset_class, timeframe=timeframe.value, direction=direction,
                              regime=str(regime[t]), score=float(score[t])))
    names, k = list(FEATURE_NAMES), len(FEATURE_NAMES)
    group = f"{instrument.asset_class} {timeframe.value}"
    return Samples(np.array(rows, dtype=float).reshape(-1, k), np.array(labels, dtype=int),
                   np.array(times, dtype=np.int64), np.array(ends, dtype=np.int64), np.array(buys, dtype=bool), names,
                   np.array(cells, dtype=str), np.full(len(labels), group).astype(str))


def samples_concat(parts: list[Samples]) -> Samples:
    """All samples ordered by time (several instruments train one model)."""
    parts = [p for p in parts if len(p.labels)]
    merged = Samples(np.vstack([p.features for p in parts]), np.concatenate([p.labels for p in parts]),
                     np.concatenate([p.times for p in parts]), np.concatenate([p.ends for p in parts]),
                     np.concatenate([p.buy for p in parts]), parts[0].names,
                     np.concatenate([p.cells for p in parts]), np.concatenate([p.groups for p in parts]))
    return merged.take(np.argsort(merged.times, kind="stable"))


class Classifier(Protocol):
    """A fitted scikit-learn classifier: per row of features, the probability of each class (0, 1)."""

    def predict_proba(self, features: FloatArray) -> FloatArray: ...


class Scorer(Protocol):
    """A fitted confidence model: P(target 1 before the stop) per row of features and its cell."""

    def confidence(self, features: FloatArray, cells: StrArray | list[str]) -> FloatArray: ...

    def to_bytes(self) -> bytes: ...


Fit = Callable[["Samples", int], Scorer]
# The classifier the product trains: which features and how much L2 regularisation (inverse strength C).
# Chosen by their out-of-sample effect on all bundled history (bench/confidence_experiments.py prints every
# variant). With the chart patterns in the strategy: the side-oriented stationary features gave BSS +0.0058
# (95% -0.0132 to +0.0246) where the raw votes, score and sessions gave -0.0089 (-0.0410 to +0.0200) on the
# same samples (before the patterns: +0.0077 against -0.0102), so they stay. Stronger L2 (C=0.05) helped
# before the patterns (+0.0090) and hurt after them (-0.0008): noise either way, so C stays 0.5.
CLASSIFIER_FEATURES: tuple[str, ...] = (*SIDE_FEATURES, *SESSION_FEATURES)
CLASSIFIER_C = 0.5


class ConfidenceModel:
    """A fitted classifier calibrated with Platt scaling; predict_proba gives P(target 1 first).

    It is given rows of `input_names` (FEATURE_NAMES when it was trained) and reads the columns
    `feature_names` of them."""

    def __init__(self, feature_names: list[str], estimator: Classifier, input_names: list[str] | None = None):
        self.feature_names = list(feature_names)
        self.input_names = list(input_names or feature_names)
        self.columns = [self.input_names.index(name) for name in self.feature_names]
        self.estimator = estimator

    def predict_proba(self, features: npt.ArrayLike) -> FloatArray:
        features = np.atleast_2d(np.asarray(features, dtype=float))
        if features.shape[1] != len(self.input_names):
            raise ValueError(f"expected {len(self.input_names)} features ({', '.join(self.input_names)}), "
                             f"got {features.shape[1]}")
        return self.estimator.predict_proba(np.nan_to_num(features[:, self.columns]))[:, 1]

    def confidence(self, features: FloatArray, cells: StrArray | list[str]) -> FloatArray:
        """predict_proba of the features (the cells are not read)."""
        return self.predict_proba(features)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> ConfidenceModel:
        model: ConfidenceModel = joblib.load(io.BytesIO(data))
        return model


def _fit(features: FloatArray, labels: IntArray, seed: int, c: float) -> Classifier:
    """Logistic regression (L2, inverse strength `c`) on the older 80%, Platt calibration on the newest 20%."""
    cut = int(len(labels) * 0.8)
    logistic = LogisticRegression(C=c, max_iter=1000, random_state=seed)
    base: Classifier = logistic.fit(features[:cut], labels[:cut])
    if len(np.unique(labels[cut:])) < 2:
        return base
    platt = CalibratedClassifierCV(FrozenEstimator(base), method="sigmoid")
    calibrated: Classifier = platt.fit(features[cut:], labels[cut:])
    return calibrated


def classifier_fit(columns: Sequence[str] | None = None, c: float = 0.5) -> Fit:
    """A Fit of the calibrated logistic regression on the named feature columns (all when None)."""
    def fit(samples: Samples, seed: int) -> Scorer:
        names = list(columns or samples.names)
        picked = [samples.names.index(name) for name in names]
        return ConfidenceModel(names, _fit(samples.features[:, picked], samples.labels, seed, c), samples.names)
    return fit


def fit_classifier(samples: Samples, seed: int) -> Scorer:
    """The calibrated logistic regression the product trains (CLASSIFIER_FEATURES, CLASSIFIER_C)."""
    return classifier_fit(CLASSIFIER_FEATURES, CLASSIFIER_C)(samples, seed)


def fit_empirical_bayes(samples: Samples, seed: int) -> Scorer:
    """The shrunk hit rate of each cell (no randomness: `seed` is not read)."""
    return fit_cell_rates(samples.cells, samples.labels, samples.times, samples.ends)


def purged_train_indices(samples: Samples, *, test_start: int, embargo_seconds: int = 0) -> IntArray:
    """Samples before the test fold whose labels were known before it began (minus the embargo)."""
    cutoff = int(samples.times[test_start]) - embargo_seconds
    earlier = np.arange(test_start)
    return earlier[samples.ends[:test_start] < cutoff]


@dataclass(frozen=True)
class ModelReport:
    samples: int
    oos_samples: int
    base_rate: float
    brier: float
    log_loss: float
    baseline_brier: float  # constant training base rate on the same test folds
    always_long_hit_rate: float  # target-1 hit rate of the BUY samples in the test folds
    calibration: list[CalibrationBand]
    trained_from: int
    trained_to: int
    baseline_log_loss: float = float("nan")
    bss: float = float("nan")  # Brier skill score against the constant base rate
    bss_low: float = float("nan")  # its moving-block bootstrap 95% interval
    bss_high: float = float("nan")
    groups: list[GroupFigures] = field(default_factory=list)  # per asset class and timeframe


def _rounded(value: float) -> float:
    return round(float(value), 4)


def walk_forward(samples: Samples, *, fit: Fit | None = None, folds: int = 5, embargo_seconds: int = 0,
                 seed: int = 0) -> tuple[Scorer, ModelReport]:
    """Out-of-sample figures by purged walk-forward, and a final model fitted on every sample (by `fit`;
    by default the calibrated logistic regression on every feature)."""
    fit = fit or classifier_fit()
    n = len(samples.labels)
    if n < 100 or len(np.unique(samples.labels)) < 2:
        raise ValueError(f"{n} labelled samples with one class or fewer than 100: too few to train on")
    bounds = np.linspace(0, n, folds + 2, dtype=int)  # the first chunk only trains
    predicted, actual, baseline, buys, groups = [], [], [], [], []
    for start, stop in itertools.pairwise(bounds[1:]):
        train = purged_train_indices(samples, test_start=start, embargo_seconds=embargo_seconds)
        if len(train) < 50 or len(np.unique(samples.labels[train])) < 2:
            continue
        model = fit(samples.take(train), seed)
        predicted.append(model.confidence(samples.features[start:stop], samples.cells[start:stop]))
        actual.append(samples.labels[start:stop])
        baseline.append(np.full(stop - start, samples.labels[train].mean()))
        buys.append(samples.buy[start:stop])
        groups.append(samples.groups[start:stop])
    if not predicted:
        raise ValueError("no fold had enough earlier samples to train on")
    p, b = np.concatenate(predicted), np.concatenate(baseline)
    y, buy = np.concatenate(actual).astype(float), np.concatenate(buys)
    low, high = bss_interval(p, y, b, seed=seed)
    report = ModelReport(
        samples=n, oos_samples=len(y), base_rate=_rounded(samples.labels.mean()),
        brier=_rounded(brier(p, y)), log_loss=_rounded(log_loss(p, y)), baseline_brier=_rounded(brier(b, y)),
        always_long_hit_rate=_rounded(y[buy].mean()) if buy.any() else float("nan"),
        calibration=calibration_table(p, y.astype(bool)),
        trained_from=int(samples.times[0]), trained_to=int(samples.ends.max()),
        baseline_log_loss=_rounded(log_loss(b, y)), bss=_rounded(brier_skill_score(p, y, b)),
        bss_low=_rounded(low), bss_high=_rounded(high), groups=group_figures(p, y, b, np.concatenate(groups)),
    )
    return fit(samples, seed), report


# How each kind of model (ModelVersion.kind) is read back from its stored bytes.
MODEL_LOADERS: dict[str, Callable[[bytes], Scorer]] = {
    "classifier": ConfidenceModel.from_bytes,
    "empirical_bayes": CellRates.from_bytes,
}
