"""Alpha Vantage NEWS_SENTIMENT: articles with the provider's own sentiment and relevance per ticker.

https://www.alphavantage.co/documentation/#news-sentiment. Parameters: `tickers` (stocks as "GOOG",
currencies as "FOREX:EUR", coins as "CRYPTO:BTC", comma-separated, an article must mention all of
them), `topics`, `time_from` / `time_to` (YYYYMMDDTHHMM), `sort` (LATEST) and `limit` (up to 1000).
The answer: {"items", "sentiment_score_definition", "relevance_score_definition", "feed": [{"title",
"url", "time_published" (YYYYMMDDTHHMMSS, taken as UTC), "summary", "source", "overall_sentiment_score",
"ticker_sentiment": [{"ticker", "relevance_score", "ticker_sentiment_score"}, ...]}, ...]}; scores are
sent as strings or numbers. Rate limits and errors arrive with HTTP 200 exactly as for the market
endpoints, and are judged by the market provider's `check_answer`; a query the endpoint refuses
({"Information": "Invalid inputs..."}, e.g. an unknown ticker or topic) fails at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from config.outbound import HttpClient, TransportError
from market.providers.alphavantage import BASE_URL, check_answer
from news.providers.base import NewsEntry, TickerScore


def av_time(epoch: int) -> str:
    """Epoch seconds as Alpha Vantage's time_from / time_to (YYYYMMDDTHHMM, UTC)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y%m%dT%H%M")


def check_news_answer(body: object) -> None:
    """`check_answer`, after refusing at once a query the news endpoint calls invalid (no retry can help)."""
    if isinstance(body, dict) and "feed" not in body:
        text = str(body.get("Information", ""))
        if "invalid inputs" in text.lower():
            raise TransportError(f"Alpha Vantage refused the news query: {text}", permanent=True)
    check_answer(body)


class AlphaVantageNewsProvider:
    name = "alphavantage"

    def __init__(self, *, api_key: str, client: HttpClient | None = None):
        if not api_key:
            raise TransportError("No Alpha Vantage API key: set ALPHA_VANTAGE_API_KEY.", permanent=True)
        self.api_key = api_key
        self.client = client or HttpClient()

    def news(self, *, tickers: list[str] | None = None, topics: list[str] | None = None,
             since: int | None = None, until: int | None = None, limit: int = 200) -> list[NewsEntry]:
        """The articles published in [since, until] (epoch s) about all `tickers` and `topics`, newest first."""
        params = {"function": "NEWS_SENTIMENT", "sort": "LATEST", "limit": str(limit)}
        if tickers:
            params["tickers"] = ",".join(tickers)
        if topics:
            params["topics"] = ",".join(topics)
        if since is not None:
            params["time_from"] = av_time(since)
        if until is not None:
            params["time_to"] = av_time(until)
        body = self.client.get_json(BASE_URL, params={**params, "apikey": self.api_key}, check=check_news_answer)
        assert isinstance(body, dict)  # check_news_answer refused anything else
        feed = body.get("feed", [])
        if not isinstance(feed, list):
            raise TransportError("Alpha Vantage news: 'feed' is not a list", permanent=True)
        return [_entry(article) for article in feed]


def _entry(article: dict) -> NewsEntry:
    try:
        published = datetime.strptime(article["time_published"], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        scores = tuple(TickerScore(ticker=str(t["ticker"]), relevance=float(t["relevance_score"]),
                                   sentiment=float(t["ticker_sentiment_score"]))
                       for t in article.get("ticker_sentiment", []))
        overall = article.get("overall_sentiment_score")
        return NewsEntry(url=str(article["url"]), title=str(article["title"]).strip(),
                         summary=str(article.get("summary") or "").strip(), source=str(article.get("source") or ""),
                         published=int(published.timestamp()),
                         sentiment=None if overall is None else float(overall), ticker_scores=scores)
    except (KeyError, ValueError, TypeError) as error:
        raise TransportError(f"Alpha Vantage news article is malformed ({error!r}): {str(article)[:200]}",
                             permanent=True) from error
