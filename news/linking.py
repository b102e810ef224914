"""Which instruments an article is about, with a relevance (0..1) and the article's sentiment turned
to each instrument's side. No Django: the catalogue comes in as InstrumentNames.

Matched in the title and summary: a stock by its cashtag ($GOOG), by its symbol as a whole upper-case
word when it has 3 letters or more, or by its company name ("Alphabet", "Google"); a forex pair by
"EUR/USD" or "EURUSD", or through its currencies ("euro", "EUR", "the Fed"...); a coin by its name
("bitcoin") or code ("BTC"). A mention in the title is fully relevant (1.0), one only in the summary
half (0.5); a pair reached through one currency only counts half again. The currency named first is
the article's subject: the sentiment is about it, and the other currencies named move against it ("euro
gains on the dollar": good for EUR, bad for USD). For a pair, news good for the quote currency is bad
for the pair.

Provider scores (Alpha Vantage's ticker_sentiment) are linked by ticker instead: "GOOG",
"FOREX:EUR" (every pair with EUR, turned for the quote side), "CRYPTO:BTC".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from news.providers.base import NewsEntry

CURRENCY_NAMES = {
    "USD": ("US dollar", "U.S. dollar", "dollar", "greenback", "Federal Reserve", "the Fed"),
    "EUR": ("euro", "eurozone", "euro zone", "ECB", "European Central Bank"),
    "GBP": ("sterling", "British pound", "pound", "Bank of England", "BoE"),
    "JPY": ("Japanese yen", "yen", "Bank of Japan", "BoJ"),
    "CHF": ("Swiss franc", "franc", "Swiss National Bank", "SNB"),
    "AUD": ("Australian dollar", "Aussie", "Reserve Bank of Australia", "RBA"),
    "CAD": ("Canadian dollar", "loonie", "Bank of Canada"),
    "NZD": ("New Zealand dollar", "kiwi", "Reserve Bank of New Zealand", "RBNZ"),
}
# Names a company or coin is known by beyond its catalogue name.
EXTRA_NAMES = {
    "GOOG": ("Google",), "META": ("Facebook",), "KO": ("Coca-Cola",), "JPM": ("JPMorgan",), "XOM": ("Exxon",),
    "BTC": ("bitcoin",), "ETH": ("ether", "ethereum"), "DOGE": ("dogecoin",), "XRP": ("Ripple",),
}
COMPANY_SUFFIXES = re.compile(r"\b(Inc\.?|Corp\.?|Co\.?|Class [A-C]|Platforms|Chase & Co\.?)|^The |\.com\b|&|,", re.I)
TITLE_RELEVANCE, SUMMARY_RELEVANCE, ONE_CURRENCY = 1.0, 0.5, 0.5


@dataclass(frozen=True)
class InstrumentNames:
    """What the linker needs of a catalogue instrument."""

    symbol: str
    display_name: str
    asset_class: str  # "stock", "forex" or "crypto"
    base_currency: str
    quote_currency: str


@dataclass(frozen=True)
class Mention:
    symbol: str
    relevance: float  # 0..1
    sentiment: float  # -1..1, on the instrument's side


def _word(text: str, *, case: bool) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w$]){re.escape(text)}(?!\w)", 0 if case else re.I)


@cache
def _name_patterns(instrument: InstrumentNames) -> list[re.Pattern[str]]:
    """How an article names a stock or a coin (compiled once per instrument)."""
    code = instrument.symbol if instrument.asset_class == "stock" else instrument.base_currency
    patterns = [re.compile(rf"\${re.escape(code)}(?!\w)")]
    if len(code) >= 3:
        patterns.append(_word(code, case=True))
    name = COMPANY_SUFFIXES.sub(" ", instrument.display_name.split(" / ")[0]).strip()
    for alias in (name, *EXTRA_NAMES.get(code, ())):
        if alias and len(alias) >= 3:
            patterns.append(_word(alias, case=False))
    return patterns


def _first_at(patterns: list[re.Pattern[str]], text: str) -> int | None:
    """Where the earliest of `patterns` occurs in `text`, or None."""
    found = [m.start() for p in patterns if (m := p.search(text))]
    return min(found) if found else None


CURRENCY_PATTERNS = {code: [_word(code, case=True)] + [_word(n, case=n.isupper()) for n in names]
                     for code, names in CURRENCY_NAMES.items()}


def _currency_positions(text: str) -> dict[str, int]:
    """Currency code -> where it is first named; a longer name wins over a shorter one inside it
    ("Australian dollar" is AUD, not USD)."""
    spans: list[tuple[int, int, str]] = []
    for code, patterns in CURRENCY_PATTERNS.items():
        for pattern in patterns:
            spans += [(m.start(), m.end(), code) for m in pattern.finditer(text)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    positions: dict[str, int] = {}
    covered_to = -1
    for start, end, code in spans:
        if start >= covered_to:
            positions.setdefault(code, start)
            covered_to = end
    return positions


PAIR_NAMED = re.compile(r"(?<!\w)([A-Z]{3})/?([A-Z]{3})(?!\w)")


def _without_pairs(text: str) -> str:
    """`text` with its outright pair names ("EUR/USD") blanked, so their currencies are not read again alone."""
    def blank(match: re.Match[str]) -> str:
        known = match.group(1) in CURRENCY_NAMES and match.group(2) in CURRENCY_NAMES
        return " " * len(match.group(0)) if known else match.group(0)
    return PAIR_NAMED.sub(blank, text)


def text_mentions(entry: NewsEntry, sentiment: float, catalogue: list[InstrumentNames]) -> list[Mention]:
    """The instruments the entry's title and summary name, each with the entry's `sentiment` on its side."""
    found: dict[str, Mention] = {}
    for text, relevance in ((entry.summary, SUMMARY_RELEVANCE), (entry.title, TITLE_RELEVANCE)):
        currencies = _currency_positions(_without_pairs(text))
        subject = min(currencies, key=currencies.__getitem__) if currencies else None
        for instrument in catalogue:
            mention = _mention_in(text, instrument, currencies, subject, relevance, sentiment)
            if mention is not None:
                found[instrument.symbol] = mention  # the title, read last, wins
    return sorted(found.values(), key=lambda m: m.symbol)


def _mention_in(text: str, instrument: InstrumentNames, currencies: dict[str, int], subject: str | None,
                relevance: float, sentiment: float) -> Mention | None:
    if instrument.asset_class != "forex":
        if _first_at(_name_patterns(instrument), text) is None:
            return None
        return Mention(instrument.symbol, relevance, sentiment)
    base, quote = instrument.base_currency, instrument.quote_currency
    if re.search(rf"(?<!\w){base}/?{quote}(?!\w)", text):
        return Mention(instrument.symbol, relevance, sentiment)
    named = [code for code in (base, quote) if code in currencies]
    if not named:
        return None
    # The currency named first is the subject: the headline's sentiment is about it, the others move against it.
    code = min(named, key=currencies.__getitem__)
    for_currency = sentiment if code == subject else -sentiment
    return Mention(instrument.symbol, relevance * (1.0 if len(named) == 2 else ONE_CURRENCY),
                   for_currency if code == base else -for_currency)


def ticker_mentions(entry: NewsEntry, catalogue: list[InstrumentNames]) -> list[Mention]:
    """The instruments of the provider's own per-ticker scores; a pair reached through one currency counts
    half, and twice-reached pairs (both currencies scored) combine base minus quote."""
    by_symbol: dict[str, list[tuple[float, float]]] = {}
    for score in entry.ticker_scores:
        kind, _, code = score.ticker.rpartition(":")
        for instrument in catalogue:
            side = _ticker_side(kind, code, instrument)
            if side:
                by_symbol.setdefault(instrument.symbol, []).append((score.relevance, side * score.sentiment))
    mentions = []
    for symbol, parts in sorted(by_symbol.items()):
        relevance = min(1.0, sum(r for r, _ in parts) * (ONE_CURRENCY if symbol_is_pair(symbol, catalogue) else 1.0))
        weight = sum(r for r, _ in parts)
        sentiment = sum(r * s for r, s in parts) / weight if weight > 0 else 0.0
        mentions.append(Mention(symbol, round(relevance, 4), round(max(-1.0, min(1.0, sentiment)), 4)))
    return mentions


def symbol_is_pair(symbol: str, catalogue: list[InstrumentNames]) -> bool:
    return any(i.symbol == symbol and i.asset_class == "forex" for i in catalogue)


def _ticker_side(kind: str, code: str, instrument: InstrumentNames) -> int:
    """+1 when the ticker is the instrument (or its base currency), -1 its quote currency, 0 unrelated."""
    if kind == "" and instrument.asset_class == "stock":
        return 1 if code == instrument.symbol else 0
    if kind == "CRYPTO" and instrument.asset_class == "crypto":
        return 1 if code == instrument.base_currency else 0
    if kind == "FOREX" and instrument.asset_class == "forex":
        return 1 if code == instrument.base_currency else -1 if code == instrument.quote_currency else 0
    return 0


def alphavantage_tickers(instrument: InstrumentNames) -> list[str]:
    """The tickers Alpha Vantage files an instrument's news under."""
    if instrument.asset_class == "forex":
        return [f"FOREX:{instrument.base_currency}", f"FOREX:{instrument.quote_currency}"]
    if instrument.asset_class == "crypto":
        return [f"CRYPTO:{instrument.base_currency}"]
    return [instrument.symbol]
