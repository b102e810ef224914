"""The news component's out-of-sample value on hand-built resolved signals whose answer is known: hit rates
by agreement, with vs without the news at a weight, the sample sizes and what they allow to conclude."""

import numpy as np

from signals.engine.sentiment_value import rescored, sentiment_value

W, THRESHOLD = 10.0, 0.45


def _signals(groups):
    """Signals from (count, hits, vote on the signal's side, items) groups, half buys and half sells, each
    with a components' score of 0.5 on its side."""
    side, hit, vote, items = [], [], [], []
    for count, hits, aligned, news_items in groups:
        sides = np.where(np.arange(count) % 2 == 0, 1, -1)
        side += sides.tolist()
        hit += [True] * hits + [False] * (count - hits)
        vote += (aligned * sides).tolist()
        items += [news_items] * count
    side = np.array(side)
    return {"side": side, "hit": np.array(hit), "base_score": 0.5 * side, "vote": np.array(vote),
            "items": np.array(items)}


def test_agreeing_news_that_goes_with_hits_shows_value_with_its_sample_sizes():
    # 40 signals with agreeing news (30 hit), 40 with disagreeing news (10 hit), 20 without news (10 hit).
    signals = _signals([(40, 30, 0.6, 3), (40, 10, -0.6, 2), (20, 10, 0.0, 0)])

    value = sentiment_value(**signals, component_weights=W, threshold=THRESHOLD, weight=1.0, seed=1)

    assert (value.agree.count, value.agree.rate) == (40, 0.75)
    assert (value.disagree.count, value.disagree.rate) == (40, 0.25)
    assert (value.no_news.count, value.no_news.rate, value.neutral.count) == (20, 0.5, 0)
    assert value.agree_minus_disagree.value == 0.5 and value.agree_minus_disagree.low > 0.25
    # At weight 1 a disagreeing signal scores (0.5 x 10 - 0.6) / 11 = 0.40 < 0.45 and is withheld; the
    # others keep theirs (agreeing 0.51, no news 0.4545): 60 kept, 40 of them hit.
    assert (value.without.count, value.without.rate) == (100, 0.5)
    assert (value.with_news.count, value.with_news.hits, value.dropped) == (60, 40, 40)
    assert value.with_minus_without.value == round(40 / 60 - 0.5, 4)
    assert 0 < value.with_minus_without.low < value.with_minus_without.value < value.with_minus_without.high
    assert value.helps and "it helps out of sample" in value.verdict


def test_the_same_rates_on_a_few_signals_are_too_few_to_conclude():
    signals = _signals([(6, 5, 0.6, 1), (6, 1, -0.6, 1), (4, 2, 0.0, 0)])

    value = sentiment_value(**signals, component_weights=W, threshold=THRESHOLD, weight=1.0)

    assert (value.agree.count, value.disagree.count, value.dropped) == (6, 6, 6)
    assert value.with_minus_without.value > 0 and not value.helps
    assert value.verdict.startswith("Too few signals to conclude: 6 with agreeing news, 6 with disagreeing news "
                                    "and 6 changed by the weight 1")
    assert "not evidence either way; the news weight stays 0" in value.verdict


def test_news_that_says_nothing_about_the_outcome_shows_no_difference():
    # Agreeing and disagreeing news hit alike (half each): the weight withholds signals at random.
    signals = _signals([(60, 30, 0.6, 2), (60, 30, -0.6, 2)])

    value = sentiment_value(**signals, component_weights=W, threshold=THRESHOLD, weight=1.0, seed=3)

    assert value.agree_minus_disagree.value == 0.0
    assert value.agree_minus_disagree.low < 0 < value.agree_minus_disagree.high
    assert value.with_minus_without.low < 0 < value.with_minus_without.high and not value.helps
    assert "no difference shown out of sample; the news weight stays 0" in value.verdict


def test_news_against_the_hits_hurts():
    signals = _signals([(50, 10, 0.6, 2), (50, 40, -0.6, 2)])

    value = sentiment_value(**signals, component_weights=W, threshold=THRESHOLD, weight=1.0)

    assert value.with_minus_without.high < 0 and not value.helps and "it hurts" in value.verdict


def test_the_rescored_score_is_the_engines_weighted_mean_and_weight_zero_changes_nothing():
    base, vote = np.array([0.5, -0.5]), np.array([-0.6, 0.2])

    assert rescored(base, vote, component_weights=W, weight=1.0).tolist() == [4.4 / 11, -4.8 / 11]
    value = sentiment_value(**_signals([(40, 30, 0.6, 3), (40, 10, -0.6, 2)]), component_weights=W,
                            threshold=THRESHOLD, weight=0.0)
    assert value.dropped == 0 and value.with_minus_without.value == 0.0 and not value.helps


def test_without_resolved_signals_every_figure_is_empty():
    empty = np.array([])

    value = sentiment_value(side=empty, hit=empty, base_score=empty, vote=empty, items=empty,
                            component_weights=W, threshold=THRESHOLD, weight=1.0)

    assert value.signals == 0 and value.agree.rate is None and value.with_minus_without.value is None
    assert not value.helps and value.verdict.startswith("Too few signals to conclude: 0 with agreeing news")
