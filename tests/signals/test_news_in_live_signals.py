"""The live path reads the stored news of an instrument as the pure engine does: only items published
before the bar closed count, and the signal's reasoning says what the news was."""

from datetime import UTC, datetime

import numpy as np

from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.resample import resample
from market.services import bars_ingest, instrument_catalogue_load
from market.timeframes import Timeframe
from news.models import NewsItem, NewsMention
from signals.engine.analysis import analyse
from signals.engine.sentiment import NewsScores, news_sentiment
from signals.engine.strategy import DEFAULT_CONFLUENCE, StrategyConfig
from signals.models import ScreenerRow, Signal
from signals.services import LOOKBACK_BARS

START, STEPS = 700, 24


def _mention(instrument: Instrument, published: int, sentiment: float, n: int) -> None:
    item = NewsItem.objects.create(url=f"https://news.example.org/{n}", content_hash=f"{n:064d}", title=f"item {n}",
                                   provider="feed", published_at=datetime.fromtimestamp(published, tz=UTC),
                                   sentiment=sentiment, scorer="vader-3.3.2")
    NewsMention.objects.create(item=item, instrument=instrument, relevance=1.0, sentiment=sentiment,
                               scorer="vader-3.3.2", published_at=item.published_at)


def test_live_signals_read_only_the_news_published_before_their_bar_closed(db, eager_tasks,
                                                                           django_capture_on_commit_callbacks):
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(START - 1), source="test")
    # Per bar: a bearish item 30 min before its close, and a bullish one exactly at its close (too late for it).
    published, sentiment = [], []
    for i in range(START - 6, START + STEPS):
        close = int(history.time[i]) + 3600
        published += [close - 1800, close]
        sentiment += [-0.5, 0.9]
    for n, (when, score) in enumerate(zip(published, sentiment, strict=True)):
        _mention(eurusd, when, score, n)
    news = NewsScores(published=np.array(published, dtype=np.int64), sentiment=np.array(sentiment),
                      relevance=np.ones(len(published)))
    strategy = StrategyConfig.from_dict(DEFAULT_CONFLUENCE)

    for i in range(START, START + STEPS):
        close = int(history.time[i]) + 3600
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(i).tail(1), source="replay",
                        emit_events=True, now=datetime.fromtimestamp(close, tz=UTC))
        window = history.upto(i).tail(LOOKBACK_BARS)
        higher = resample(window, target=Timeframe.H4, calendar="FOREX", now=int(history.time[i]))
        known = news.published < close
        expected = analyse(window, instrument=eurusd.spec, timeframe="H1", strategy=strategy, higher=higher,
                           news=NewsScores(news.published[known], news.sentiment[known], news.relevance[known]))
        stored = Signal.objects.filter(instrument=eurusd, bar_time=datetime.fromtimestamp(int(history.time[i]),
                                                                                         tz=UTC)).first()
        assert (stored is None) == (expected is None)
        if stored is not None:
            assert stored.reasoning == expected.reasoning and stored.score == expected.score

    reasons = list(Signal.objects.values_list("reasoning", flat=True))
    assert reasons
    # In the 6 h up to each close: 6 bearish items and the bullish ones of the 6 closes before (the one at
    # this close is left out: with it there would be 13). Plain mean +0.20; the bearish ones are half an hour
    # fresher, so the weighted mean (half-life 3 h) is +0.16.
    assert all("News sentiment positive: 12 items in the last 6 h, weighted mean +0.16 (not weighed in the score)."
               in r for r in reasons)
    # The screener's row holds the vote at the newest close, with the same count (the filter reads it).
    row = ScreenerRow.objects.get(instrument=eurusd, timeframe="H1")
    last_close = int(history.time[START + STEPS - 1]) + 3600
    known = news.published < last_close
    vote = news_sentiment(NewsScores(news.published[known], news.sentiment[known], news.relevance[known]),
                          at=last_close, window_seconds=6 * 3600)
    assert (row.news_vote, row.news_items) == (vote.vote, 12) and row.news_vote > 0
