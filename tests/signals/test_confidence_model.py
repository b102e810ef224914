import numpy as np
import pytest

from signals.engine.model import ConfidenceModel, Samples, purged_train_indices, walk_forward


def _planted(n=3000, seed=1):
    """Samples whose label depends on the first feature: a real, learnable edge."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 3))
    probability = 1 / (1 + np.exp(-1.5 * features[:, 0]))
    labels = (rng.random(n) < probability).astype(int)
    times = np.arange(n) * 3600
    return Samples(features, labels, times, times + 5 * 3600, rng.random(n) < 0.5, ["a", "b", "c"]), probability


def test_a_planted_edge_is_learned_and_beats_the_base_rate_out_of_sample():
    samples, _ = _planted()

    model, report = walk_forward(samples, embargo_seconds=3600)

    assert report.brier < report.baseline_brier - 0.02
    for band in report.calibration:
        if band["count"] >= 100:
            assert abs(band["predicted"] - band["realised"]) < 0.08, band
    assert 0 < model.predict_proba(samples.features[:5]).min() <= model.predict_proba(samples.features[:5]).max() < 1


def test_noise_gives_no_skill_and_the_report_says_so():
    samples, _ = _planted()
    samples.labels[:] = np.random.default_rng(3).integers(0, 2, len(samples.labels))

    _, report = walk_forward(samples)

    assert report.brier >= report.baseline_brier - 0.005


def test_training_samples_never_overlap_the_test_fold_or_its_embargo():
    samples, _ = _planted(n=200)

    train = purged_train_indices(samples, test_start=100, embargo_seconds=7200)

    assert train.max() < 100
    assert (samples.ends[train] < samples.times[100] - 7200).all()
    assert 99 not in train  # its label ended inside the test fold


def test_the_model_round_trips_through_bytes_and_refuses_other_features():
    samples, _ = _planted(n=600)
    model, _ = walk_forward(samples)

    loaded = ConfidenceModel.from_bytes(model.to_bytes())

    np.testing.assert_allclose(loaded.predict_proba(samples.features[:10]), model.predict_proba(samples.features[:10]))
    with pytest.raises(ValueError, match="expected 3 features"):
        loaded.predict_proba(np.zeros((1, 4)))


def test_too_few_samples_is_a_clear_error():
    samples, _ = _planted(n=50)

    with pytest.raises(ValueError, match="too few to train on"):
        walk_forward(samples)
