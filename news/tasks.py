"""Celery tasks of news (queue `ingest`): poll the configured feeds and Alpha Vantage."""

import logging

from celery import shared_task
from django.conf import settings

from config.outbound import TransportError
from news.models import NewsFeed
from news.providers.alphavantage import AlphaVantageNewsProvider
from news.services import news_alphavantage_poll, news_feed_poll

log = logging.getLogger(__name__)


@shared_task(name="news.tasks.poll_feeds", acks_late=True, ignore_result=True)
def poll_feeds() -> None:
    """Poll every active feed; a failing feed fails alone (its error is kept on it, shown in the admin)."""
    for feed in NewsFeed.objects.filter(active=True):
        try:
            news_feed_poll(feed=feed)
        except TransportError as error:
            log.warning("news feed %s failed: %s", feed.url, error.message)


@shared_task(name="news.tasks.poll_alphavantage", acks_late=True, ignore_result=True)
def poll_alphavantage() -> None:
    """Fetch Alpha Vantage's newest scored articles (nothing without ALPHA_VANTAGE_API_KEY)."""
    if not settings.ALPHA_VANTAGE_API_KEY:
        return
    try:
        news_alphavantage_poll(provider=AlphaVantageNewsProvider(api_key=settings.ALPHA_VANTAGE_API_KEY),
                               topics=settings.NEWS_ALPHAVANTAGE_TOPICS or None)
    except TransportError as error:
        log.warning("Alpha Vantage news failed (%s): %s", "permanent" if error.permanent else "next poll retries",
                    error.message)
