"""Training, storing and loading the confidence model (ModelVersion)."""

from __future__ import annotations

from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Max

from config.epoch import utc_from_epoch
from market.models import Bar, Instrument
from market.resample import resample
from market.selectors import bars_latest_arrays
from market.timeframes import Timeframe
from signals.engine.model import ConfidenceModel, samples_concat, samples_from_history, walk_forward
from signals.engine.strategy import StrategyConfig
from signals.models import ModelVersion, Strategy
from signals.selectors import strategy_active

MIN_HISTORY_BARS = 120
MAX_HISTORY_BARS = 20_000


def model_train(*, strategy: Strategy | None = None, seed: int = 0) -> ModelVersion | None:
    """Train on every stored history and store it with its out-of-sample figures.

    It becomes the active model only if it beats the base rate out of sample (Brier score on the
    same folds); otherwise it is kept for staff to inspect, and signals carry no confidence rather
    than a probability that has shown no edge (DESIGN.md principle 5). None, and nothing stored,
    without an active strategy or a history to learn from.
    """
    strategy = strategy or strategy_active()
    if strategy is None:
        return None
    config = StrategyConfig.from_dict(strategy.config)
    parts = []
    series = (Bar.objects.values("instrument_id", "timeframe").annotate(n=Count("id"), newest=Max("time"))
              .filter(n__gte=MIN_HISTORY_BARS))
    instruments = Instrument.objects.in_bulk([s["instrument_id"] for s in series])
    for row in series:
        instrument, timeframe = instruments[row["instrument_id"]], Timeframe(row["timeframe"])
        bars = bars_latest_arrays(instrument_ids=[instrument.pk], timeframe=timeframe, count=MAX_HISTORY_BARS,
                                  until=row["newest"])[instrument.pk]
        higher = resample(bars, target=timeframe.higher, calendar=instrument.calendar) if timeframe.higher else None
        parts.append(samples_from_history(bars, instrument=instrument.spec, timeframe=timeframe, strategy=config,
                                          higher=higher))
    if not any(len(p.labels) for p in parts):
        return None
    model, report = walk_forward(samples_concat(parts), seed=seed)
    with transaction.atomic():
        version = (ModelVersion.objects.filter(strategy=strategy).aggregate(v=Max("version"))["v"] or 0) + 1
        beats_baseline = report.brier < report.baseline_brier
        if beats_baseline:
            ModelVersion.objects.filter(strategy=strategy, is_active=True).update(is_active=False)
        return ModelVersion.objects.create(
            strategy=strategy, version=version,
            algorithm="LogisticRegression + Platt calibration, purged walk-forward (5 folds)",
            feature_names=model.feature_names, trained_from=utc_from_epoch(report.trained_from),
            trained_to=utc_from_epoch(report.trained_to), oos_samples=report.oos_samples, oos_brier=report.brier,
            oos_log_loss=report.log_loss, base_rate=report.base_rate,
            baselines={"constant_base_rate_brier": report.baseline_brier,
                       "always_long_hit_rate": report.always_long_hit_rate, "samples": report.samples},
            calibration_table=report.calibration, artifact=model.to_bytes(), is_active=beats_baseline)


@lru_cache(maxsize=8)
def _load(model_version_id: int) -> ConfidenceModel:
    return ConfidenceModel.from_bytes(bytes(ModelVersion.objects.get(pk=model_version_id).artifact))


def model_active(*, strategy: Strategy) -> tuple[ModelVersion | None, ConfidenceModel | None]:
    """The strategy's active model version and its loaded model (cached per process)."""
    version = ModelVersion.objects.filter(strategy=strategy, is_active=True).only("id").first()
    return (version, _load(version.pk)) if version else (None, None)
