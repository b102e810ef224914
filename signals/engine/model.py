"""The confidence model: P(target 1 is hit before the stop within the validity window). No Django.

- Samples: every bar of a history whose confluence score passes the threshold, with the signal's
  own levels; the label is the triple-barrier outcome of those levels on the bars after it (1 if
  target 1 first, 0 if the stop first or expiry), computed by the same `outcomes.evaluate` that
  scores live signals. A sample's label is known only at its end index (used for purging).
- Features: the component votes and the score, exactly the `features` of a SignalDraft.
- Validation: purged walk-forward. Samples are ordered by time; each test fold is trained only on
  samples whose labels ended before the fold starts minus an embargo. Calibration (Platt) is
  fitted on the newest fifth of each training window, after the classifier is fitted on the rest.
  Every reported figure is out of sample: predictions on test folds never seen in training.
- Baselines, on the same test folds: the training base rate as a constant prediction, and the hit
  rate of always buying.
Randomness is an argument (seed).
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from typing import Protocol

import joblib
import numpy as np
import numpy.typing as npt
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from market.arrays import BarArrays, BoolArray, FloatArray, InstrumentSpec, IntArray
from market.timeframes import Timeframe
from signals.engine.confluence import FEATURE_NAMES, component_votes, feature_rows, scores
from signals.engine.key_levels import key_levels
from signals.engine.levels import levels_for
from signals.engine.outcomes import SignalLevels, evaluate
from signals.engine.strategy import StrategyConfig
from signals.engine.track_record import CalibrationBand, calibration_table


@dataclass
class Samples:
    features: FloatArray  # [n, k]
    labels: IntArray  # [n] 0/1
    times: IntArray  # [n] epoch s of the signal bar
    ends: IntArray  # [n] epoch s when the label became known
    buy: BoolArray  # [n] True for BUY
    names: list[str] = field(default_factory=list)


def samples_from_history(bars: BarArrays, *, instrument: InstrumentSpec, timeframe: Timeframe | str,
                         strategy: StrategyConfig, higher: BarArrays | None = None) -> Samples:
    """Labelled samples from one instrument's history (labels only where the window has ended)."""
    timeframe = Timeframe(timeframe)
    votes = component_votes(bars, timeframe, higher)
    score, _ = scores(votes.votes, strategy)
    feature_matrix = feature_rows(votes.votes, score, bars.time, instrument.asset_class == "forex")
    rows, labels, times, ends, buys = [], [], [], [], []
    for t in np.flatnonzero(np.abs(np.nan_to_num(score)) >= strategy.threshold):
        direction = "BUY" if score[t] > 0 else "SELL"
        ctx = votes.context
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
    names, k = list(FEATURE_NAMES), len(FEATURE_NAMES)
    return Samples(np.array(rows, dtype=float).reshape(-1, k), np.array(labels, dtype=int), np.array(times),
                   np.array(ends), np.array(buys, dtype=bool), names)


def samples_concat(parts: list[Samples]) -> Samples:
    """All samples ordered by time (several instruments train one model)."""
    parts = [p for p in parts if len(p.labels)]
    merged = Samples(np.vstack([p.features for p in parts]), np.concatenate([p.labels for p in parts]),
                     np.concatenate([p.times for p in parts]), np.concatenate([p.ends for p in parts]),
                     np.concatenate([p.buy for p in parts]), parts[0].names)
    order = np.argsort(merged.times, kind="stable")
    return Samples(merged.features[order], merged.labels[order], merged.times[order], merged.ends[order],
                   merged.buy[order], merged.names)


class Classifier(Protocol):
    """A fitted scikit-learn classifier: per row of features, the probability of each class (0, 1)."""

    def predict_proba(self, features: FloatArray) -> FloatArray: ...


class ConfidenceModel:
    """A fitted classifier calibrated with Platt scaling; predict_proba gives P(target 1 first)."""

    def __init__(self, feature_names: list[str], estimator: Classifier):
        self.feature_names = list(feature_names)
        self.estimator = estimator

    def predict_proba(self, features: npt.ArrayLike) -> FloatArray:
        features = np.atleast_2d(np.asarray(features, dtype=float))
        if features.shape[1] != len(self.feature_names):
            raise ValueError(f"expected {len(self.feature_names)} features ({', '.join(self.feature_names)}), "
                             f"got {features.shape[1]}")
        return self.estimator.predict_proba(np.nan_to_num(features))[:, 1]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> ConfidenceModel:
        model: ConfidenceModel = joblib.load(io.BytesIO(data))
        return model


def _fit(features: FloatArray, labels: IntArray, seed: int) -> Classifier:
    """Logistic regression on the older 80%, Platt calibration on the newest 20%."""
    cut = int(len(labels) * 0.8)
    logistic = LogisticRegression(C=0.5, max_iter=1000, random_state=seed)
    base: Classifier = logistic.fit(features[:cut], labels[:cut])
    if len(np.unique(labels[cut:])) < 2:
        return base
    platt = CalibratedClassifierCV(FrozenEstimator(base), method="sigmoid")
    calibrated: Classifier = platt.fit(features[cut:], labels[cut:])
    return calibrated


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


def walk_forward(samples: Samples, *, folds: int = 5, embargo_seconds: int = 0, seed: int = 0,
                 ) -> tuple[ConfidenceModel, ModelReport]:
    """Out-of-sample figures by purged walk-forward, and a final model fitted on every sample."""
    n = len(samples.labels)
    if n < 100 or len(np.unique(samples.labels)) < 2:
        raise ValueError(f"{n} labelled samples with one class or fewer than 100: too few to train on")
    bounds = np.linspace(0, n, folds + 2, dtype=int)  # the first chunk only trains
    predicted, actual, baseline, buys = [], [], [], []
    for start, stop in itertools.pairwise(bounds[1:]):
        train = purged_train_indices(samples, test_start=start, embargo_seconds=embargo_seconds)
        if len(train) < 50 or len(np.unique(samples.labels[train])) < 2:
            continue
        model = _fit(samples.features[train], samples.labels[train], seed)
        predicted.append(model.predict_proba(samples.features[start:stop])[:, 1])
        actual.append(samples.labels[start:stop])
        baseline.append(np.full(stop - start, samples.labels[train].mean()))
        buys.append(samples.buy[start:stop])
    if not predicted:
        raise ValueError("no fold had enough earlier samples to train on")
    p, y, b, buy = (np.concatenate(a) for a in (predicted, actual, baseline, buys))
    report = ModelReport(
        samples=n, oos_samples=len(y), base_rate=round(float(samples.labels.mean()), 4),
        brier=round(float(brier_score_loss(y, p)), 4), log_loss=round(float(log_loss(y, p, labels=[0, 1])), 4),
        baseline_brier=round(float(brier_score_loss(y, b)), 4),
        always_long_hit_rate=round(float(y[buy].mean()), 4) if buy.any() else float("nan"),
        calibration=calibration_table(p, y.astype(bool)),
        trained_from=int(samples.times[0]), trained_to=int(samples.ends.max()),
    )
    final = ConfidenceModel(samples.names, _fit(samples.features, samples.labels, seed))
    return final, report
