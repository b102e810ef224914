"""Reads of news: the catalogue as the linker sees it, an instrument's recent items, the API's list, and
the sentiment arrays the engine reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import QuerySet

from market.models import Instrument
from news.linking import InstrumentNames
from news.models import NewsItem, NewsMention, Provider
from signals.engine.sentiment import NEUTRAL_BAND, NewsScores


def instrument_names() -> list[InstrumentNames]:
    """Every active instrument of the catalogue, as the linker reads it."""
    return [InstrumentNames(symbol=i.symbol, display_name=i.display_name, asset_class=i.asset_class,
                            base_currency=i.base_currency, quote_currency=i.quote_currency)
            for i in Instrument.objects.filter(active=True).order_by("symbol")]


@dataclass(frozen=True)
class NewsFilters:
    instrument: str | None = None  # a symbol
    since: datetime | None = None
    sentiment: str | None = None  # "positive", "negative" or "neutral"


def news_item_list(*, filters: NewsFilters) -> QuerySet[NewsItem]:
    """News items, newest first, with their mentions; with an instrument, its sentiment is the filtered one
    (one filter() call, so both conditions hold for the same mention)."""
    items = NewsItem.objects.prefetch_related("mentions__instrument")
    if filters.since is not None:
        items = items.filter(published_at__gte=filters.since)
    prefix = "mentions__" if filters.instrument else ""
    conditions: dict[str, object] = {"mentions__instrument__symbol": filters.instrument} if filters.instrument else {}
    if filters.sentiment == "positive":
        conditions[f"{prefix}sentiment__gte"] = NEUTRAL_BAND
    elif filters.sentiment == "negative":
        conditions[f"{prefix}sentiment__lte"] = -NEUTRAL_BAND
    elif filters.sentiment == "neutral":
        conditions.update({f"{prefix}sentiment__gt": -NEUTRAL_BAND, f"{prefix}sentiment__lt": NEUTRAL_BAND})
    return items.filter(**conditions).distinct().order_by("-published_at", "-id")


def news_mentions_recent(*, instrument: Instrument, until: datetime | None = None, limit: int = 8) -> list[NewsMention]:
    """An instrument's newest mentions (published before `until`, when given), with their items."""
    mentions = NewsMention.objects.filter(instrument=instrument).select_related("item")
    if until is not None:
        mentions = mentions.filter(published_at__lt=until)
    return list(mentions.order_by("-published_at", "-id")[:limit])


@dataclass(frozen=True)
class NewsPanel:
    """What a page's news panel shows: an instrument's newest mentions published before `until`."""

    mentions: list[NewsMention]
    until: datetime
    demo: bool  # some are illustrative demo headlines, not real news


def news_panel(*, instrument: Instrument, until: datetime, limit: int = 8) -> NewsPanel:
    """The panel of `instrument` as of `until` (a page shows what was known then: the newest bar's close,
    or the signal's bar close)."""
    mentions = news_mentions_recent(instrument=instrument, until=until, limit=limit)
    return NewsPanel(mentions=mentions, until=until, demo=any(m.item.is_demo for m in mentions))


def news_scores_for(*, instrument_ids: list[int], since: datetime, until: datetime) -> dict[int, NewsScores]:
    """Per instrument id, its mentions published in [since, until), oldest first, as the engine reads them."""
    rows = (NewsMention.objects.filter(instrument_id__in=instrument_ids, published_at__gte=since,
                                       published_at__lt=until)
            .order_by("instrument_id", "published_at").values_list("instrument_id", "published_at", "sentiment",
                                                                    "relevance"))
    grouped: dict[int, list[tuple[int, float, float]]] = {}
    for instrument_id, published, sentiment, relevance in rows:
        grouped.setdefault(instrument_id, []).append((int(published.timestamp()), sentiment, relevance))
    return {key: NewsScores(published=np.array([r[0] for r in values], dtype=np.int64),
                            sentiment=np.array([r[1] for r in values]), relevance=np.array([r[2] for r in values]))
            for key, values in grouped.items()}


def news_demo_stored() -> bool:
    """Whether any stored item is an illustrative demo headline (then no figure read from news is evidence)."""
    return NewsItem.objects.filter(provider=Provider.DEMO).exists()
