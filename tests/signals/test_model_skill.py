"""The Brier skill score, its bootstrap interval, and the rule that picks the active model version."""

import numpy as np

from signals.engine.skill import Skill, active_choice, brier_skill_score, bss_interval, group_figures, skill_verdict


def test_the_skill_score_is_zero_for_the_base_rate_and_positive_for_a_better_forecast():
    rng = np.random.default_rng(0)
    truth = rng.random(4000)
    actual = (rng.random(4000) < truth).astype(float)
    base = np.full(4000, actual.mean())

    assert brier_skill_score(base, actual, base) == 0
    assert brier_skill_score(truth, actual, base) > 0.2
    low, high = bss_interval(truth, actual, base, seed=1)
    assert 0 < low < brier_skill_score(truth, actual, base) < high


def test_the_interval_of_a_useless_forecast_reaches_below_zero():
    rng = np.random.default_rng(2)
    actual = (rng.random(3000) < 0.5).astype(float)
    noise = np.clip(0.5 + rng.normal(0, 0.05, 3000), 0, 1)

    low, _ = bss_interval(noise, actual, np.full(3000, 0.5), seed=3)

    assert low < 0


def test_figures_per_group_add_up_to_every_prediction():
    actual = np.array([1, 0, 1, 1, 0, 0], dtype=float)
    table = group_figures(np.full(6, 0.5), actual, np.full(6, 0.5), np.array(["fx H1"] * 4 + ["stock D1"] * 2))

    assert [(g["group"], g["count"], g["hit_rate"], g["bss"]) for g in table] == [("fx H1", 4, 0.75, 0.0),
                                                                                   ("stock D1", 2, 0.0, 0.0)]


def test_the_active_version_is_the_best_whose_skill_and_its_interval_are_above_zero():
    versions = [Skill(1, 0.05, 0.01), Skill(2, 0.08, 0.02), Skill(3, 0.12, -0.01), Skill(4, -0.02, -0.05),
                Skill(5, None, None)]

    assert active_choice(versions).key == 2  # 3 scores higher but its interval reaches zero
    assert active_choice(versions[2:]) is None
    assert active_choice([]) is None


def test_a_newer_version_with_less_or_no_skill_does_not_replace_the_active_one():
    active = Skill(1, 0.06, 0.02)

    assert active_choice([active, Skill(2, 0.04, 0.01)]).key == 1
    assert active_choice([active, Skill(2, -0.10, -0.20)]).key == 1
    assert active_choice([active, Skill(2, 0.07, 0.03)]).key == 2


def test_the_verdict_says_why_with_the_figures():
    assert "beats the base rate" in skill_verdict(Skill(1, 0.05, 0.01))
    assert "interval reaches zero" in skill_verdict(Skill(1, 0.05, -0.01))
    assert "no better than the base rate" in skill_verdict(Skill(1, -0.0182, -0.0493))
    assert "-0.0182" in skill_verdict(Skill(1, -0.0182, -0.0493))
