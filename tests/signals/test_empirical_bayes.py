"""The empirical-Bayes confidence: a cell's own hit rate shrunk towards the base rate, k fitted out of sample."""

import numpy as np
import pytest

from signals.engine.empirical_bayes import (
    PRIOR_GRID,
    CellRates,
    cell_key,
    fit_cell_rates,
    fit_prior_strength,
    score_band,
    shrunk_rates,
)
from signals.engine.model import Samples, fit_empirical_bayes, walk_forward


def test_a_cell_with_few_signals_says_the_base_rate_and_one_with_many_says_what_it_saw():
    rates = CellRates(base_rate=0.5, prior_strength=50.0, hits={"few": 2, "many": 8000}, counts={"few": 2,
                                                                                               "many": 10_000})

    few, many, unseen = rates.confidence(np.zeros((3, 1)), ["few", "many", "unseen"])

    assert few == pytest.approx((2 + 25) / 52) and abs(few - 0.5) < 0.02  # 2 hits of 2 barely move it
    assert many == pytest.approx((8000 + 25) / 10_050) and abs(many - 0.8) < 0.002
    assert unseen == 0.5


def test_shrinkage_moves_from_the_observed_rate_to_the_base_rate_as_the_prior_grows():
    hits, counts = np.array([30.0]), np.array([40.0])

    values = [float(shrunk_rates(hits, counts, 0.5, k)[0]) for k in (0.0, 10.0, 40.0, 1e9)]

    assert values[0] == 0.75 and values[-1] == pytest.approx(0.5)
    assert values == sorted(values, reverse=True)
    assert values[2] == pytest.approx(0.625)  # k = n: halfway


def _cells(n, rates, seed):
    """Samples in time order whose cells have the hit rates `rates` (one cell per name)."""
    rng = np.random.default_rng(seed)
    names = np.array(list(rates))
    cells = names[rng.integers(0, len(names), n)]
    labels = (rng.random(n) < np.array([rates[c] for c in cells])).astype(int)
    times = np.arange(n, dtype=np.int64) * 3600
    return cells, labels, times, times + 3 * 3600


def test_the_prior_is_weak_where_cells_really_differ_and_strong_where_they_do_not():
    # 200 cells of ~15 training signals each: the prior decides a lot.
    for seed in range(4):
        differ = _cells(4000, {f"c{i}": 0.2 + 0.6 * (i % 2) for i in range(200)}, seed=seed)
        same = _cells(4000, {f"c{i}": 0.5 for i in range(200)}, seed=seed)

        assert fit_prior_strength(*differ) <= 5
        assert fit_prior_strength(*same) >= 50


def test_without_enough_validation_the_model_says_the_base_rate():
    cells, labels, times, ends = _cells(15, {"a": 0.9}, seed=3)

    assert fit_prior_strength(cells, labels, times, ends) == PRIOR_GRID[-1]


def test_fitted_rates_are_calibrated_out_of_sample_and_beat_the_base_rate_where_cells_differ():
    cells, labels, times, ends = _cells(5000, {"a": 0.75, "b": 0.3, "c": 0.55}, seed=4)
    samples = Samples(np.zeros((5000, 1)), labels, times, ends, np.ones(5000, bool), ["x"], cells,
                      np.full(5000, "crypto H1"))

    model, report = walk_forward(samples, fit=fit_empirical_bayes, embargo_seconds=3600)

    assert report.bss > 0.05 and report.bss_low > 0
    for band in report.calibration:
        if band["count"] >= 200:
            assert abs(band["predicted"] - band["realised"]) < 0.05, band
    assert model.confidence(np.zeros((1, 1)), ["a"])[0] == pytest.approx(0.75, abs=0.03)


def test_on_noise_it_at_worst_ties_the_base_rate():
    cells, labels, times, ends = _cells(5000, {"a": 0.5, "b": 0.5, "c": 0.5, "d": 0.5}, seed=5)
    samples = Samples(np.zeros((5000, 1)), labels, times, ends, np.ones(5000, bool), ["x"], cells)

    _, report = walk_forward(samples, fit=fit_empirical_bayes)

    assert report.bss > -0.01 and report.bss_low < 0  # no proven skill, and close to a tie


def test_the_model_round_trips_through_bytes():
    rates = fit_cell_rates(*_cells(500, {"a": 0.7, "b": 0.4}, seed=6))

    loaded = CellRates.from_bytes(rates.to_bytes())

    assert loaded == rates


def test_a_cell_is_named_by_asset_class_timeframe_direction_regime_and_score_band():
    assert cell_key(asset_class="forex", timeframe="H1", direction="SELL", regime="ranging",
                    score=-0.6) == "forex|H1|SELL|ranging|0.55-0.65"
    assert [score_band(s) for s in (0.45, -0.549, 0.55, 0.7)] == ["<0.55", "<0.55", "0.55-0.65", ">=0.65"]
