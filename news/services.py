"""Writes of news: store provider entries once (by URL and by content hash), scored and linked to the
instruments they mention; poll the configured feeds and Alpha Vantage."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.epoch import utc_from_epoch
from config.outbound import TransportError
from market.models import Instrument
from news.linking import InstrumentNames, Mention, text_mentions, ticker_mentions
from news.models import NewsFeed, NewsItem, NewsMention, Provider
from news.providers.alphavantage import AlphaVantageNewsProvider
from news.providers.base import NewsEntry
from news.providers.feeds import FeedProvider
from news.scoring import VADER, headline_sentiment
from news.selectors import instrument_names

log = logging.getLogger(__name__)


@dataclass
class NewsStoreReport:
    received: int = 0
    stored: int = 0
    duplicates: int = 0  # already stored, by URL or by content


def content_hash(title: str, summary: str) -> str:
    """SHA-256 (hex) of the title and summary, lower-cased with whitespace collapsed: one story under two
    URLs (a syndicated copy, a tracking parameter) is stored once."""
    normal = " ".join(title.lower().split()) + "\n" + " ".join(summary.lower().split())
    return hashlib.sha256(normal.encode()).hexdigest()


def news_entries_store(*, entries: list[NewsEntry], provider: str, feed: NewsFeed | None = None,
                       now: datetime | None = None, catalogue: list[InstrumentNames] | None = None) -> NewsStoreReport:
    """Store the entries not stored yet, each with its sentiment (the provider's, else VADER's on the
    headline) and its mentions of catalogue instruments; a duplicate is counted, never stored twice."""
    now = now or timezone.now()
    catalogue = instrument_names() if catalogue is None else catalogue
    ids = dict(Instrument.objects.filter(symbol__in=[c.symbol for c in catalogue]).values_list("symbol", "id"))
    report = NewsStoreReport(received=len(entries))
    hashes = {entry.url: content_hash(entry.title, entry.summary) for entry in entries}
    seen_urls = set(NewsItem.objects.filter(url__in=list(hashes)).values_list("url", flat=True))
    seen_hashes = set(NewsItem.objects.filter(content_hash__in=list(hashes.values()))
                      .values_list("content_hash", flat=True))
    for entry in entries:
        digest = hashes[entry.url]
        if entry.url in seen_urls or digest in seen_hashes:
            report.duplicates += 1
            continue
        seen_urls.add(entry.url)
        seen_hashes.add(digest)
        if _store_one(entry, digest=digest, provider=provider, feed=feed, now=now, catalogue=catalogue, ids=ids):
            report.stored += 1
        else:
            report.duplicates += 1
    return report


def _store_one(entry: NewsEntry, *, digest: str, provider: str, feed: NewsFeed | None, now: datetime,
               catalogue: list[InstrumentNames], ids: dict[str, int]) -> bool:
    """Store one entry with its mentions; False when another writer stored it first."""
    if entry.sentiment is not None:
        sentiment, scorer = entry.sentiment, provider
        mentions = ticker_mentions(entry, catalogue)
    else:
        sentiment, scorer = headline_sentiment(entry.title), VADER
        mentions = text_mentions(entry, sentiment, catalogue)
    published = utc_from_epoch(entry.published)
    try:
        with transaction.atomic():
            item = NewsItem.objects.create(
                url=entry.url, content_hash=digest, title=entry.title[:500], summary=entry.summary,
                source=entry.source[:200], provider=provider, feed=feed, published_at=published, fetched_at=now,
                sentiment=max(-1.0, min(1.0, sentiment)), scorer=scorer)
            NewsMention.objects.bulk_create([_mention(item, m, ids[m.symbol], scorer) for m in mentions
                                             if m.symbol in ids])
    except IntegrityError:
        return False
    return True


def _mention(item: NewsItem, mention: Mention, instrument_id: int, scorer: str) -> NewsMention:
    return NewsMention(item=item, instrument_id=instrument_id, relevance=mention.relevance,
                       sentiment=mention.sentiment, scorer=scorer, published_at=item.published_at)


def news_feed_poll(*, feed: NewsFeed, provider: FeedProvider | None = None,
                   now: datetime | None = None) -> NewsStoreReport:
    """Fetch and store one feed; a failure is kept on the feed (`last_error`) and raised, storing nothing."""
    now = now or timezone.now()
    provider = provider or FeedProvider(max_bytes=settings.NEWS_FEED_MAX_BYTES)
    try:
        entries = provider.news(feed.url, now=int(now.timestamp()))
    except TransportError as error:
        NewsFeed.objects.filter(pk=feed.pk).update(last_polled_at=now, last_error=error.message[:2000],
                                                   items_stored=0)
        raise
    report = news_entries_store(entries=entries, provider=Provider.FEED, feed=feed, now=now)
    NewsFeed.objects.filter(pk=feed.pk).update(last_polled_at=now, last_error="", items_stored=report.stored)
    return report


def news_alphavantage_poll(*, provider: AlphaVantageNewsProvider, now: datetime | None = None,
                           tickers: list[str] | None = None, topics: list[str] | None = None) -> NewsStoreReport:
    """Fetch Alpha Vantage's articles published since the newest one stored (or the last day) and store them."""
    now = now or timezone.now()
    newest = (NewsItem.objects.filter(provider=Provider.ALPHAVANTAGE).order_by("-published_at")
              .values_list("published_at", flat=True).first())
    since = int(newest.timestamp()) if newest else int(now.timestamp()) - 86400
    entries = provider.news(tickers=tickers, topics=topics, since=since, until=int(now.timestamp()))
    return news_entries_store(entries=entries, provider=Provider.ALPHAVANTAGE, now=now)
