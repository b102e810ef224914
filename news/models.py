"""News items, the instruments they mention with a sentiment each, and the feeds an operator configured."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from market.models import Instrument


class Provider(models.TextChoices):
    ALPHAVANTAGE = "alphavantage", "Alpha Vantage NEWS_SENTIMENT"
    FEED = "feed", "RSS / Atom feed"
    DEMO = "demo", "Illustrative demo headlines (not real news)"


class NewsFeed(models.Model):
    """An RSS or Atom feed an operator added in the admin; polled on Beat while `active`."""

    name = models.CharField(max_length=120)
    url = models.URLField(max_length=1000, unique=True)
    active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why the last poll failed; empty when it worked.")
    items_stored = models.PositiveIntegerField(default=0, help_text="New items stored by the last poll.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NewsItem(models.Model):
    """One article, stored once: unique by URL and by the hash of its normalised title and summary."""

    url = models.URLField(max_length=1000, unique=True)
    content_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the normalised title + summary.")
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=20, choices=Provider.choices)
    feed = models.ForeignKey(NewsFeed, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    published_at = models.DateTimeField(db_index=True)
    fetched_at = models.DateTimeField(default=timezone.now)
    sentiment = models.FloatField(help_text="The item's overall sentiment in [-1, 1].")
    scorer = models.CharField(max_length=40, help_text="What produced `sentiment`: the provider, or the local model.")

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_demo(self) -> bool:
        return self.provider == Provider.DEMO


class NewsMention(models.Model):
    """An item's link to an instrument it mentions: how relevant it is (0..1) and its sentiment for that
    instrument in [-1, 1] (for a forex pair, news good for the quote currency counts against the pair)."""

    item = models.ForeignKey(NewsItem, on_delete=models.CASCADE, related_name="mentions")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="news_mentions")
    relevance = models.FloatField()
    sentiment = models.FloatField()
    scorer = models.CharField(max_length=40)
    published_at = models.DateTimeField(help_text="The item's, copied so an instrument's news reads one index.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "instrument"], name="news_mention_unique")]
        indexes = [models.Index(fields=["instrument", "published_at"], name="news_mention_recent")]
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"{self.instrument} {self.sentiment:+.2f} ({self.item_id})"
