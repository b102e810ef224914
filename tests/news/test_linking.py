import pytest

from news.linking import InstrumentNames, text_mentions
from news.providers.base import NewsEntry

CATALOGUE = [
    InstrumentNames("GOOG", "Alphabet Inc. Class C", "stock", "GOOG", "USD"),
    InstrumentNames("V", "Visa Inc.", "stock", "V", "USD"),
    InstrumentNames("KO", "The Coca-Cola Co.", "stock", "KO", "USD"),
    InstrumentNames("EURUSD", "EUR/USD", "forex", "EUR", "USD"),
    InstrumentNames("AUDUSD", "AUD/USD", "forex", "AUD", "USD"),
    InstrumentNames("USDJPY", "USD/JPY", "forex", "USD", "JPY"),
    InstrumentNames("BTCUSD", "Bitcoin / US dollar", "crypto", "BTC", "USD"),
    InstrumentNames("ETHUSD", "Ether / US dollar", "crypto", "ETH", "USD"),
]


def _linked(title: str, summary: str = "", sentiment: float = 0.5) -> dict[str, tuple[float, float]]:
    entry = NewsEntry(url="https://x", title=title, summary=summary, source="", published=0)
    return {m.symbol: (m.relevance, m.sentiment) for m in text_mentions(entry, sentiment, CATALOGUE)}


@pytest.mark.parametrize(("title", "symbols"), [
    ("Google unveils a new phone", {"GOOG"}),
    ("Alphabet earnings beat", {"GOOG"}),
    ("GOOG rallies", {"GOOG"}),
    ("$V and $KO lead the Dow", {"V", "KO"}),
    ("Bitcoin and Ethereum rally", {"BTCUSD", "ETHUSD"}),
    ("BTC breaks out", {"BTCUSD"}),
])
def test_stocks_and_coins_are_found_by_symbol_cashtag_and_name(title, symbols):
    assert set(_linked(title)) == symbols


def test_short_symbols_and_words_inside_others_do_not_link():
    assert _linked("Valve ships a kilo of coke; vote on Kodak; Europe's kiosk goes viral") == {}


def test_a_pair_named_outright_is_fully_relevant():
    assert _linked("EUR/USD climbs to 1.10") == {"EURUSD": (1.0, 0.5)}


def test_news_about_the_quote_currency_counts_against_the_pair_at_half_relevance():
    assert _linked("Yen rallies on intervention talk", sentiment=0.4) == {"USDJPY": (0.5, -0.4)}


def test_the_currency_named_first_is_the_subject_when_both_are_named():
    linked = _linked("Euro slides against the dollar", sentiment=-0.3)
    assert linked["EURUSD"] == (1.0, -0.3)
    assert linked["USDJPY"] == (0.5, 0.3)  # the dollar gains: good for USD/JPY


def test_australian_dollar_is_not_the_us_dollar():
    assert set(_linked("Australian dollar firms after RBA")) == {"AUDUSD"}


def test_a_mention_only_in_the_summary_is_half_relevant():
    assert _linked("Markets wrap", summary="Bitcoin slipped.") == {"BTCUSD": (0.5, 0.5)}
