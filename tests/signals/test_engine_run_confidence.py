"""Signals carry the confidence of the active model only if it beat the base rate out of sample."""

import numpy as np

from signals.confidence import model_train
from signals.engine.confluence import SESSION_FEATURES
from signals.engine.model import Samples, walk_forward
from signals.engine.strategy import COMPONENTS
from signals.models import ModelVersion, Signal, Strategy
from signals.scheduling import engine_run_start
from signals.services import strategy_default_ensure
from tests.signals.conftest import NOW
from tests.signals.test_confidence_model import _planted


def test_a_model_without_an_edge_is_kept_but_not_used_and_signals_carry_no_confidence(
        market, django_capture_on_commit_callbacks):
    version = model_train()
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    # On the bundled data the model does not beat the base rate out of sample (see the note).
    assert version.oos_samples > 1000 and 0 < version.oos_brier < 1 and version.calibration_table
    assert set(version.baselines) == {"constant_base_rate_brier", "always_long_hit_rate", "samples"}
    assert version.beats_baseline is False and version.is_active is False
    assert Signal.objects.exists()
    assert all(s.confidence is None and s.model_version is None for s in Signal.objects.all())


def test_a_model_with_an_edge_is_used_and_signals_carry_its_calibrated_confidence(
        market, django_capture_on_commit_callbacks):
    names = [f"vote_{n}" for n in COMPONENTS] + ["score", *SESSION_FEATURES]
    planted, _ = _planted()
    features = np.zeros((len(planted.labels), len(names)))
    features[:, names.index("score")] = planted.features[:, 0]
    model, report = walk_forward(Samples(features, planted.labels, planted.times, planted.ends, planted.buy, names))
    version = ModelVersion.objects.create(
        strategy=strategy_default_ensure(), version=9, algorithm="test", feature_names=names,
        trained_from=NOW, trained_to=NOW, oos_samples=report.oos_samples, oos_brier=report.brier,
        baselines={"constant_base_rate_brier": report.baseline_brier}, artifact=model.to_bytes(), is_active=True)
    assert version.beats_baseline

    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    assert Signal.objects.exists()
    for signal in Signal.objects.all():
        assert signal.model_version == version and 0 < signal.confidence < 1


def test_training_without_an_active_strategy_stores_no_model(db):
    Strategy.objects.update(is_active=False)

    assert model_train() is None
    assert not ModelVersion.objects.exists()
