import json

import pytest

from config.outbound import HttpClient, TransportError
from news.linking import InstrumentNames, ticker_mentions
from news.models import NewsItem, NewsMention
from news.providers.alphavantage import AlphaVantageNewsProvider
from news.services import news_alphavantage_poll
from tests.market.conftest import utc
from tests.market.recorded_http import RecordedTransport, session_with
from tests.news.conftest import FIXTURES


def _provider(routes, slept=None):
    transport = RecordedTransport([(p, (200, (FIXTURES / a).read_bytes())) for p, a in routes])
    client = HttpClient(session=session_with(transport), sleep=(slept.append if slept is not None else lambda s: None))
    return AlphaVantageNewsProvider(api_key="TESTKEY", client=client), transport


def _news(path, query):
    return query.get("function") == "NEWS_SENTIMENT"


def test_recorded_news_sentiment_is_read_with_the_providers_scores_per_ticker():
    provider, transport = _provider([(_news, "alphavantage_news_sentiment.json")])

    entries = provider.news(tickers=["GOOG"], since=utc("2024-03-13"), until=utc("2024-03-14"), limit=50)

    assert [e.source for e in entries] == ["Benzinga", "FXStreet", "CoinDesk", "Benzinga"]
    first = entries[0]
    assert first.published == utc("2024-03-13 14:30")
    assert first.sentiment == pytest.approx(0.312456)
    assert [(s.ticker, s.relevance, s.sentiment) for s in first.ticker_scores] == [
        ("GOOG", pytest.approx(0.812345), pytest.approx(0.401234)),
        ("MSFT", pytest.approx(0.123456), pytest.approx(-0.051234))]
    assert transport.calls[0][1] == {"function": "NEWS_SENTIMENT", "sort": "LATEST", "limit": "50", "tickers": "GOOG",
                                     "time_from": "20240313T0000", "time_to": "20240314T0000", "apikey": "TESTKEY"}


def test_the_http_200_rate_limit_note_is_retried_after_a_minute_as_for_market_data():
    served = []

    def first_call(path, query):
        served.append(path)
        return len(served) == 1

    slept = []
    provider, transport = _provider([(first_call, "alphavantage_note_rate_limit.json"),
                                     (_news, "alphavantage_news_sentiment.json")], slept)

    entries = provider.news(topics=["blockchain"])

    assert len(entries) == 4
    assert slept == [60.0]
    assert len(transport.calls) == 2


def test_a_rate_limit_that_lasts_fails_with_a_clear_error_and_stores_nothing(catalogue):
    slept = []
    provider, transport = _provider([(_news, "alphavantage_note_rate_limit.json")], slept)

    with pytest.raises(TransportError, match="rate limit"):
        news_alphavantage_poll(provider=provider)

    assert NewsItem.objects.count() == 0
    assert len(transport.calls) == 4 and slept == [60.0] * 3


def test_a_query_the_endpoint_calls_invalid_fails_at_once_without_retrying():
    slept = []
    provider, transport = _provider([(_news, "alphavantage_news_invalid_inputs.json")], slept)

    with pytest.raises(TransportError, match="refused the news query: Invalid inputs") as error:
        provider.news(tickers=["NOPE"])

    assert error.value.permanent and len(transport.calls) == 1 and slept == []


def test_a_malformed_article_is_refused_whole():
    body = json.loads((FIXTURES / "alphavantage_news_sentiment.json").read_text())
    del body["feed"][1]["time_published"]
    transport = RecordedTransport([(_news, (200, json.dumps(body).encode()))])
    provider = AlphaVantageNewsProvider(api_key="K", client=HttpClient(session=session_with(transport)))

    with pytest.raises(TransportError, match="malformed") as error:
        provider.news()

    assert error.value.permanent


def test_stored_articles_keep_the_providers_scores_per_instrument_and_forex_quotes_are_turned(catalogue):
    provider, _ = _provider([(_news, "alphavantage_news_sentiment.json")])

    report = news_alphavantage_poll(provider=provider)

    assert report.stored == 4
    goog = NewsMention.objects.get(instrument__symbol="GOOG")
    assert (goog.relevance, goog.sentiment, goog.scorer) == (pytest.approx(0.8123, abs=1e-4),
                                                             pytest.approx(0.4012, abs=1e-4), "alphavantage")
    # USD scored -0.31 (relevance 0.70) and EUR +0.20 (0.40): both good for EURUSD, bad for USDJPY.
    assert NewsMention.objects.get(instrument__symbol="EURUSD").sentiment == pytest.approx(
        (0.701234 * 0.312345 + 0.401234 * 0.201234) / (0.701234 + 0.401234), abs=1e-4)
    assert NewsMention.objects.get(instrument__symbol="USDJPY").sentiment == pytest.approx(-0.312345, abs=1e-4)
    assert NewsMention.objects.get(instrument__symbol="BTCUSD").sentiment == pytest.approx(-0.4523, abs=1e-4)
    wrap = NewsItem.objects.get(title__startswith="Markets Wrap")
    assert (wrap.sentiment, wrap.scorer, wrap.mentions.count()) == (pytest.approx(0.021), "alphavantage", 0)


def test_a_second_poll_of_the_same_articles_stores_nothing_new(catalogue):
    provider, _ = _provider([(_news, "alphavantage_news_sentiment.json")])
    news_alphavantage_poll(provider=provider)

    again = news_alphavantage_poll(provider=provider)

    assert (again.stored, again.duplicates) == (0, 4)
    assert NewsItem.objects.count() == 4


def test_ticker_scores_reach_every_pair_of_a_currency_at_half_relevance():
    from news.providers.base import NewsEntry, TickerScore

    entry = NewsEntry(url="u", title="t", summary="", source="", published=0, sentiment=0.0,
                      ticker_scores=(TickerScore("FOREX:JPY", 0.8, -0.5),))
    catalogue = [InstrumentNames("USDJPY", "USD/JPY", "forex", "USD", "JPY"),
                 InstrumentNames("EURUSD", "EUR/USD", "forex", "EUR", "USD")]

    assert [(m.symbol, m.relevance, m.sentiment) for m in ticker_mentions(entry, catalogue)] == [("USDJPY", 0.4, 0.5)]
