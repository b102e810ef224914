"""The demo's news: illustrative headlines written for the demo, not real articles (see the file's note),
dated inside the bars the demo replays, stored through the same path as any feed's (scored by VADER,
linked by name) under the provider "demo", which the pages and the API label as illustrative demo headlines."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from news.models import Provider
from news.providers.base import NewsEntry
from news.services import NewsStoreReport, news_entries_store

DEMO_NEWS = Path(__file__).resolve().parent / "fixtures" / "demo_news.json"


def demo_news_entries() -> list[NewsEntry]:
    items = json.loads(DEMO_NEWS.read_text())["items"]
    return [NewsEntry(url=i["url"], title=i["title"], summary=i["summary"], source=i["source"],
                      published=int(datetime.fromisoformat(i["published"].replace("Z", "+00:00")).timestamp()))
            for i in items]


def news_demo_seed() -> NewsStoreReport:
    """Store the demo items not stored yet (idempotent: a second run stores nothing)."""
    return news_entries_store(entries=demo_news_entries(), provider=Provider.DEMO)
