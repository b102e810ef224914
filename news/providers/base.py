"""One shape for a news article from any source (their errors are config.outbound.TransportError). No Django."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TickerScore:
    """A provider's own scores of an article for one of its tickers ("GOOG", "FOREX:EUR", "CRYPTO:BTC")."""

    ticker: str
    relevance: float  # 0..1
    sentiment: float  # -1..1


@dataclass(frozen=True)
class NewsEntry:
    """An article as a provider reads it; `sentiment` is None when the provider does not score it."""

    url: str
    title: str
    summary: str
    source: str
    published: int  # epoch s, UTC
    sentiment: float | None = None
    ticker_scores: tuple[TickerScore, ...] = field(default_factory=tuple)
