"""The news sentiment component: decay, relevance, silence, no look-ahead, its weight and its words."""

from dataclasses import replace

import numpy as np
import pytest

from market.arrays import BarArrays
from market.timeframes import Timeframe
from signals.engine.analysis import analyse, analyse_many
from signals.engine.sentiment import NewsScores, news_note, news_sentiment, news_votes
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig, StrategyConfigError
from tests.market.conftest import FIXTURES
from tests.signals.test_engine import EURUSD, STRATEGY

HOUR = 3600
AT = 1_710_000_000


def _news(*items: tuple[float, float, float]) -> NewsScores:
    """(hours before AT, sentiment, relevance) per item."""
    ordered = sorted(items, key=lambda i: -i[0])
    return NewsScores(published=np.array([AT - int(h * HOUR) for h, _, _ in ordered], dtype=np.int64),
                      sentiment=np.array([s for _, s, _ in ordered]), relevance=np.array([r for _, _, r in ordered]))


def test_the_vote_is_the_relevance_and_age_weighted_mean_with_the_given_half_life():
    news = _news((1, -0.8, 1.0), (4, 0.4, 1.0), (2, 0.6, 0.0))

    sentiment = news_sentiment(news, at=AT, window_seconds=6 * HOUR, half_life_seconds=3 * HOUR)

    w1, w4 = 0.5 ** (1 / 3), 0.5 ** (4 / 3)
    assert sentiment.vote == pytest.approx((w1 * -0.8 + w4 * 0.4) / (w1 + w4), abs=1e-6)
    assert sentiment.items == 3


def test_older_news_weighs_less_than_fresh_news():
    fresh_bad_old_good = news_sentiment(_news((0.5, -0.5, 1.0), (5, 0.5, 1.0)), at=AT, window_seconds=6 * HOUR)
    fresh_good_old_bad = news_sentiment(_news((0.5, 0.5, 1.0), (5, -0.5, 1.0)), at=AT, window_seconds=6 * HOUR)

    assert fresh_bad_old_good.vote < 0 < fresh_good_old_bad.vote
    assert fresh_bad_old_good.vote >= -1 and fresh_good_old_bad.vote <= 1


def test_the_component_is_silent_without_fresh_news():
    stale = news_sentiment(_news((7, -0.9, 1.0)), at=AT, window_seconds=6 * HOUR)
    nothing = news_sentiment(None, at=AT, window_seconds=6 * HOUR)

    assert (stale.vote, stale.items, stale.silent) == (0.0, 0, True)
    assert (nothing.vote, nothing.silent) == (0.0, True)
    assert news_note(stale, weighed=False) == ""


def test_no_look_ahead_news_published_at_or_after_the_close_does_not_count():
    news = _news((1, 0.5, 1.0), (0, -0.9, 1.0), (-2, -0.9, 1.0))  # at the close, and two hours after it

    sentiment = news_sentiment(news, at=AT, window_seconds=6 * HOUR)

    assert (sentiment.vote, sentiment.items) == (0.5, 1)
    # Each bar's vote equals the vote of the news cut at that bar's close.
    closes = np.array([AT - 3 * HOUR, AT, AT + 3 * HOUR])
    cut = [news_sentiment(NewsScores(news.published[news.published < c], news.sentiment[news.published < c],
                                     news.relevance[news.published < c]), at=int(c), window_seconds=6 * HOUR).vote
           for c in closes]
    assert news_votes(news, closes=closes, window_seconds=6 * HOUR).tolist() == cut


def test_the_reasoning_sentence_says_the_leaning_the_count_the_window_and_the_weighted_mean():
    sentiment = news_sentiment(_news((1, -0.5, 1.0), (2, -0.4, 1.0), (3, -0.3, 1.0), (5, -0.48, 1.0)), at=AT,
                               window_seconds=6 * HOUR)

    assert news_note(sentiment, weighed=True) == ("News sentiment negative: 4 items in the last 6 h, "
                                                  "weighted mean -0.42.")
    assert news_note(sentiment, weighed=False).endswith("weighted mean -0.42 (not weighed in the score).")


def test_the_sentence_prints_the_weighted_vote_its_leaning_is_read_from_not_the_plain_mean():
    # A fresh bearish item and an old bullish one: plain mean +0.05, weighted (decay x relevance) -0.24.
    sentiment = news_sentiment(_news((0.5, -0.5, 1.0), (5.5, 0.6, 1.0)), at=AT, window_seconds=6 * HOUR)

    w_fresh, w_old = 0.5 ** (0.5 / 3), 0.5 ** (5.5 / 3)
    assert sentiment.vote == pytest.approx((w_fresh * -0.5 + w_old * 0.6) / (w_fresh + w_old), abs=1e-6)
    assert news_note(sentiment, weighed=True) == ("News sentiment negative: 2 items in the last 6 h, "
                                                  "weighted mean -0.24.")


def test_an_item_whose_sentiment_or_relevance_is_not_finite_does_not_count():
    news = _news((1, -0.5, 1.0), (2, float("nan"), 1.0), (3, 0.9, float("inf")), (4, 0.9, float("nan")))

    sentiment = news_sentiment(news, at=AT, window_seconds=6 * HOUR)

    assert (sentiment.vote, sentiment.items) == (-0.5, 1)
    assert news_note(sentiment, weighed=True) == "News sentiment negative: 1 item in the last 6 h, weighted mean -0.50."
    only_bad = news_sentiment(_news((2, float("nan"), 1.0), (3, float("-inf"), 1.0)), at=AT, window_seconds=6 * HOUR)
    assert (only_bad.vote, only_bad.silent, news_note(only_bad, weighed=True)) == (0.0, True, "")


def _first_draft(strategy: StrategyConfig, news_at=None):
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    for t in range(200, len(bars), 25):
        window = bars.upto(t)
        news = news_at(int(window.time[-1]) + Timeframe.H1.seconds) if news_at else None
        if (draft := analyse(window, instrument=EURUSD, timeframe="H1", strategy=strategy, news=news)) is not None:
            return draft
    raise AssertionError("no signal in the history")


def _against(side: int):
    """Three items an hour before the close, strongly against a trade on `side`."""
    def news_at(close: int) -> NewsScores:
        return NewsScores(published=np.array([close - 3 * HOUR, close - 2 * HOUR, close - HOUR], dtype=np.int64),
                          sentiment=np.array([-0.6, -0.6, -0.6]) * side, relevance=np.ones(3))
    return news_at


def test_with_its_default_weight_of_zero_news_shows_in_the_reasoning_but_does_not_move_the_score():
    plain = _first_draft(STRATEGY)
    side = 1 if plain.direction == "BUY" else -1

    with_news = _first_draft(STRATEGY, _against(side))

    assert STRATEGY.news_weight == 0.0
    assert (with_news.score, with_news.bar_time, with_news.contributions) == (plain.score, plain.bar_time,
                                                                             plain.contributions)
    leaning = "negative" if side > 0 else "positive"
    assert with_news.reasoning == (plain.reasoning + f" News sentiment {leaning}: 3 items in the last 6 h, "
                                   f"weighted mean {-0.6 * side:+.2f} (not weighed in the score).")


def test_a_news_weight_in_the_strategy_pulls_the_score_toward_the_news():
    plain = _first_draft(STRATEGY)
    side = 1 if plain.direction == "BUY" else -1
    weighed = replace(STRATEGY, news_weight=2.0, threshold=0.01)  # a draft whatever the news does to the score

    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    t = int(np.searchsorted(bars.time, plain.bar_time))
    draft = analyse(bars.upto(t), instrument=EURUSD, timeframe="H1", strategy=weighed,
                    news=_against(side)(plain.bar_time + HOUR))

    total = sum(STRATEGY.weights.values())
    expected = plain.score * total / (total + 2) - 0.6 * side * 2 / (total + 2)
    assert draft is not None
    assert draft.score == pytest.approx(expected, abs=1e-5)
    assert abs(draft.score) < abs(plain.score)
    assert draft.contributions["news"] == pytest.approx(-0.6 * side * 2 / (total + 2), abs=1e-5)
    assert sum(draft.contributions.values()) == pytest.approx(draft.score, abs=1e-5)


def test_the_news_weight_is_validated_and_absent_means_zero():
    without = {k: v for k, v in DEFAULT_CONFLUENCE.items() if k != "news_weight"}
    assert StrategyConfig.from_dict(without).news_weight == 0
    with pytest.raises(StrategyConfigError) as error:
        StrategyConfig.from_dict({**DEFAULT_CONFLUENCE, "news_weight": -1})
    assert error.value.fields == {"news_weight": ["A number in [0, 10]."]}


def test_the_pairs_state_carries_the_news_vote_at_its_close_and_none_without_fresh_news():
    bars = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").upto(700)
    close = int(bars.time[-1]) + HOUR
    news = NewsScores(published=np.array([close - 2 * HOUR, close - HOUR, close], dtype=np.int64),
                      sentiment=np.array([-0.4, -0.2, 0.9]), relevance=np.ones(3))  # the last: too late

    states = analyse_many([("news", bars, EURUSD, None), ("quiet", bars, EURUSD, None)], timeframe="H1",
                          strategy=STRATEGY, news={"news": news})

    expected = news_sentiment(news, at=close, window_seconds=6 * HOUR)
    assert (states["news"].state.news_vote, states["news"].state.news_items) == (expected.vote, 2)
    assert expected.vote < -0.2
    assert (states["quiet"].state.news_vote, states["quiet"].state.news_items) == (None, 0)
