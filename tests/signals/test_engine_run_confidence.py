"""Signals carry the confidence of the active model only if its skill over the base rate is proven out of sample."""

from datetime import UTC, datetime

import numpy as np

from signals.confidence import model_train
from signals.engine.confluence import FEATURE_NAMES
from signals.engine.model import Samples, walk_forward
from signals.model_selectors import confidence_status
from signals.models import ModelKind, ModelVersion, Signal, Strategy
from signals.scheduling import engine_run_start
from signals.services import strategy_default_ensure
from tests.signals.conftest import NOW
from tests.signals.test_confidence_model import _planted


def test_every_training_stores_both_kinds_with_their_out_of_sample_figures_and_signals_follow_the_verdict(
        market, django_capture_on_commit_callbacks):
    versions = model_train()
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    assert [v.kind for v in versions] == [ModelKind.CLASSIFIER, ModelKind.EMPIRICAL_BAYES]
    for version in versions:
        assert version.oos_samples > 1000 and 0 < version.oos_brier < 1 and version.calibration_table
        assert version.oos_bss_low <= version.oos_bss <= version.oos_bss_high
        assert set(version.baselines) == {"constant_base_rate_brier", "constant_base_rate_log_loss",
                                          "always_long_hit_rate", "samples"}
        assert {g["group"] for g in version.group_figures} >= {"forex H1", "stock D1"}
        assert sum(g["count"] for g in version.group_figures) == version.oos_samples
    # Whatever the figures say, a signal has a confidence exactly when a version proved its skill.
    active = [v for v in versions if v.is_active]
    assert all(v.skill.proven for v in active) and len(active) <= 1
    assert Signal.objects.exists()
    for signal in Signal.objects.all():
        if active:
            assert signal.model_version == active[0] and 0 < signal.confidence < 1
        else:
            assert signal.confidence is None and signal.model_version is None
    status = confidence_status(strategy=versions[0].strategy)
    assert status.startswith("Signals carry the confidence" if active else "Signals carry no confidence")


def test_training_learns_from_every_stored_history_and_the_higher_timeframes_resampled_from_it(market):
    versions = model_train()

    groups = {g["group"] for g in versions[0].group_figures}
    assert {"forex H4", "forex D1", "stock W1"} <= groups  # EURUSD is stored as H1 only, GOOG as D1 only
    # Samples from before GOOG's first bar (2004-08-19) come from the S&P 500 and NASDAQ Composite (from 1999).
    assert versions[0].trained_from < datetime(2004, 8, 19, tzinfo=UTC)


def _planted_version(version: int, *, active: bool) -> ModelVersion:
    names = list(FEATURE_NAMES)
    planted, _ = _planted()
    features = np.zeros((len(planted.labels), len(names)))
    features[:, names.index("score")] = planted.features[:, 0]
    model, report = walk_forward(Samples(features, planted.labels, planted.times, planted.ends, planted.buy, names))
    return ModelVersion.objects.create(
        strategy=strategy_default_ensure(), version=version, algorithm="test", feature_names=names,
        trained_from=NOW, trained_to=NOW, oos_samples=report.oos_samples, oos_brier=report.brier,
        oos_bss=report.bss, oos_bss_low=report.bss_low, oos_bss_high=report.bss_high, base_rate=report.base_rate,
        baselines={"constant_base_rate_brier": report.baseline_brier}, artifact=model.to_bytes(), is_active=active)


def test_a_model_with_proven_skill_is_used_and_signals_carry_its_calibrated_confidence(
        market, django_capture_on_commit_callbacks):
    version = _planted_version(9, active=True)
    assert version.skill.proven

    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    assert Signal.objects.exists()
    for signal in Signal.objects.all():
        assert signal.model_version == version and 0 < signal.confidence < 1
    assert confidence_status(strategy=version.strategy).startswith("Signals carry the confidence of model v9")


def test_a_retraining_without_proven_skill_does_not_replace_the_active_version(market):
    proven = _planted_version(90, active=True)

    versions = model_train()

    proven.refresh_from_db()
    assert proven.is_active
    assert all(not v.is_active for v in versions if not v.skill.proven)
    assert ModelVersion.objects.filter(is_active=True).count() == 1


def test_training_without_an_active_strategy_stores_no_model(db):
    Strategy.objects.update(is_active=False)

    assert model_train() == []
    assert not ModelVersion.objects.exists()
