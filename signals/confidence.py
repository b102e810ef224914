"""Training, storing, activating and loading the confidence models (ModelVersion).

Every training stores one version of each kind (the calibrated classifier and the empirical-Bayes
cell hit rate) with its out-of-sample figures from the same purged walk-forward folds. Which version
is active is then decided again over every version of the strategy (signals.engine.skill.active_choice):
the highest Brier skill score among those whose skill is proven (positive, its 95% interval above
zero). Where none is, no version is active and signals carry no confidence (DESIGN.md principle 5);
a retraining without skill, or with less, never replaces the active version.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Max

from config.epoch import utc_from_epoch
from market.arrays import BarArrays
from market.models import Bar, Instrument
from market.resample import resample
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.engine.model import (
    CLASSIFIER_C,
    MODEL_LOADERS,
    ModelReport,
    Samples,
    Scorer,
    fit_classifier,
    fit_empirical_bayes,
    samples_concat,
    samples_from_history,
    walk_forward,
)
from signals.engine.skill import active_choice
from signals.engine.strategy import StrategyConfig
from signals.models import ModelKind, ModelVersion, Strategy
from signals.selectors import strategy_active

MIN_HISTORY_BARS = 120
MAX_HISTORY_BARS = 20_000
FOLDS = 5
KINDS = (
    (ModelKind.CLASSIFIER, fit_classifier,
     f"LogisticRegression (C={CLASSIFIER_C:g}, side-oriented features) + Platt, purged walk-forward ({FOLDS} folds)"),
    (ModelKind.EMPIRICAL_BAYES, fit_empirical_bayes,
     f"Empirical-Bayes cell hit rate, Beta prior k={{k:g}}, purged walk-forward ({FOLDS} folds)"),
)


def _histories(config: StrategyConfig) -> list[tuple[Instrument, Timeframe, BarArrays]]:
    """Every stored series of at least MIN_HISTORY_BARS bars, and each higher timeframe of the strategy
    resampled from it (whole buckets only) that still has that many bars."""
    series = (Bar.objects.values("instrument_id", "timeframe").annotate(n=Count("id"), newest=Max("time"))
              .filter(n__gte=MIN_HISTORY_BARS))
    instruments = Instrument.objects.in_bulk([s["instrument_id"] for s in series])
    stored = {(row["instrument_id"], row["timeframe"]) for row in series}
    histories = []
    for row in series:
        instrument, timeframe = instruments[row["instrument_id"]], Timeframe(row["timeframe"])
        bars = bars_latest_arrays(instrument_ids=[instrument.pk], timeframe=timeframe, count=MAX_HISTORY_BARS,
                                  until=row["newest"])[instrument.pk]
        histories.append((instrument, timeframe, bars))
        closed_until = int(bars.time[-1]) + timeframe.seconds
        for target in map(Timeframe, config.timeframes):
            if target.seconds <= timeframe.seconds or (instrument.pk, target.value) in stored:
                continue
            resampled = resample(bars, target=target, calendar=instrument.calendar, now=closed_until)
            if len(resampled) >= MIN_HISTORY_BARS:
                histories.append((instrument, target, resampled))
    return histories


def training_samples(config: StrategyConfig) -> Samples | None:
    """The labelled samples of every history (stored and resampled), ordered by time; None without any."""
    parts = []
    for instrument, timeframe, bars in _histories(config):
        higher = (resample(bars, target=timeframe.higher, calendar=instrument.calendar)
                  if timeframe.higher else None)
        parts.append(samples_from_history(bars, instrument=instrument.spec, timeframe=timeframe, strategy=config,
                                          higher=higher))
    if not any(len(p.labels) for p in parts):
        return None
    return samples_concat(parts)


def model_train(*, strategy: Strategy | None = None, seed: int = 0) -> list[ModelVersion]:
    """Train each kind of model on every stored history, store each with its out-of-sample figures,
    then decide again which version is active. Nothing stored without an active strategy or a history
    to learn from (an empty list)."""
    strategy = strategy or strategy_active()
    if strategy is None:
        return []
    samples = training_samples(StrategyConfig.from_dict(strategy.config))
    if samples is None:
        return []
    trained = []
    for kind, fit, algorithm in KINDS:
        model, report = walk_forward(samples, fit=fit, folds=FOLDS, seed=seed)
        trained.append((kind, algorithm.format(k=getattr(model, "prior_strength", 0)), model, report))
    with transaction.atomic():
        Strategy.objects.select_for_update().filter(pk=strategy.pk).first()  # one training numbers at a time
        newest = ModelVersion.objects.filter(strategy=strategy).aggregate(v=Max("version"))["v"] or 0
        versions = [_store(strategy=strategy, version=newest + i, kind=kind, algorithm=algorithm, model=model,
                           report=report, feature_names=samples.names)
                    for i, (kind, algorithm, model, report) in enumerate(trained, start=1)]
        model_activate(strategy=strategy)
    for version in versions:
        version.refresh_from_db(fields=["is_active"])
    return versions


def _store(*, strategy: Strategy, version: int, kind: str, algorithm: str, model: Scorer, report: ModelReport,
           feature_names: list[str]) -> ModelVersion:
    return ModelVersion.objects.create(
        strategy=strategy, version=version, kind=kind, algorithm=algorithm, feature_names=feature_names,
        trained_from=utc_from_epoch(report.trained_from), trained_to=utc_from_epoch(report.trained_to),
        oos_samples=report.oos_samples, oos_brier=report.brier, oos_log_loss=report.log_loss,
        base_rate=report.base_rate, oos_bss=report.bss, oos_bss_low=report.bss_low, oos_bss_high=report.bss_high,
        baselines={"constant_base_rate_brier": report.baseline_brier,
                   "constant_base_rate_log_loss": report.baseline_log_loss,
                   "always_long_hit_rate": report.always_long_hit_rate, "samples": report.samples},
        calibration_table=report.calibration, group_figures=report.groups, artifact=model.to_bytes(),
        is_active=False)


@transaction.atomic
def model_activate(*, strategy: Strategy) -> ModelVersion | None:
    """Make the version with the best proven skill active (and no other); None when none has proven it."""
    versions = list(ModelVersion.objects.select_for_update().filter(strategy=strategy)
                    .only("id", "oos_bss", "oos_bss_low", "is_active"))
    choice = active_choice([v.skill for v in versions])
    chosen = next((v for v in versions if choice is not None and v.pk == choice.key), None)
    others = ModelVersion.objects.filter(strategy=strategy, is_active=True)
    (others.exclude(pk=chosen.pk) if chosen else others).update(is_active=False)
    if chosen is not None and not chosen.is_active:
        ModelVersion.objects.filter(pk=chosen.pk).update(is_active=True)
    return chosen


@lru_cache(maxsize=8)
def _load(model_version_id: int) -> Scorer:
    version = ModelVersion.objects.only("kind", "artifact").get(pk=model_version_id)
    return MODEL_LOADERS[version.kind](bytes(version.artifact))


def model_active(*, strategy: Strategy) -> tuple[ModelVersion | None, Scorer | None]:
    """The strategy's active model version and its loaded model (cached per process)."""
    version = ModelVersion.objects.filter(strategy=strategy, is_active=True).only("id").first()
    return (version, _load(version.pk)) if version else (None, None)
