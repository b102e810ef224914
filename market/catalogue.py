"""The instrument catalogue loaded by `load_instruments`: US stocks and stock indices, forex majors and crosses,
crypto."""

from __future__ import annotations

from typing import TypedDict


class CatalogueInstrument(TypedDict):
    """One instrument of the catalogue: `symbol` and the other fields of market.models.Instrument."""

    symbol: str
    display_name: str
    asset_class: str
    venue: str
    base_currency: str
    quote_currency: str
    price_precision: int
    tick_size: float
    pip_size: float | None
    lot_size: float
    calendar: str


def _stock(symbol: str, name: str, venue: str) -> CatalogueInstrument:
    return {"symbol": symbol, "display_name": name, "asset_class": "stock", "venue": venue,
            "base_currency": symbol, "quote_currency": "USD", "price_precision": 2, "tick_size": 0.01,
            "pip_size": None, "lot_size": 1.0, "calendar": "XNYS"}


def _forex(base: str, quote: str) -> CatalogueInstrument:
    jpy = quote == "JPY"
    return {"symbol": base + quote, "display_name": f"{base}/{quote}", "asset_class": "forex", "venue": "OTC FX",
            "base_currency": base, "quote_currency": quote, "price_precision": 3 if jpy else 5,
            "tick_size": 0.001 if jpy else 0.00001, "pip_size": 0.01 if jpy else 0.0001, "lot_size": 100_000.0,
            "calendar": "FOREX"}


def _crypto(base: str, name: str, tick: float, precision: int) -> CatalogueInstrument:
    return {"symbol": base + "USD", "display_name": f"{name} / US dollar", "asset_class": "crypto",
            "venue": "Coinbase", "base_currency": base, "quote_currency": "USD", "price_precision": precision,
            "tick_size": tick, "pip_size": None, "lot_size": 1.0, "calendar": "ALWAYS"}


STOCKS = [
    _stock("AAPL", "Apple Inc.", "NASDAQ"), _stock("MSFT", "Microsoft Corp.", "NASDAQ"),
    _stock("GOOG", "Alphabet Inc. Class C", "NASDAQ"), _stock("AMZN", "Amazon.com Inc.", "NASDAQ"),
    _stock("NVDA", "NVIDIA Corp.", "NASDAQ"), _stock("META", "Meta Platforms Inc.", "NASDAQ"),
    _stock("TSLA", "Tesla Inc.", "NASDAQ"), _stock("JPM", "JPMorgan Chase & Co.", "NYSE"),
    _stock("V", "Visa Inc.", "NYSE"), _stock("XOM", "Exxon Mobil Corp.", "NYSE"),
    _stock("JNJ", "Johnson & Johnson", "NYSE"), _stock("KO", "The Coca-Cola Co.", "NYSE"),
]
# US stock indices are in the stock class: index points to two decimals, the NYSE / NASDAQ sessions, one unit
# a point (as a CFD on the index). Both have bundled real daily history (market/fixtures/README.md). IXIC is the
# NASDAQ Composite, which the bundled file holds; NDX would be the NASDAQ-100, another index.
STOCK_INDICES = [_stock("SPX", "S&P 500 index", "S&P DJI"), _stock("IXIC", "NASDAQ Composite index", "NASDAQ")]
FOREX_MAJORS = [_forex(b, q) for b, q in [("EUR", "USD"), ("GBP", "USD"), ("USD", "JPY"), ("USD", "CHF"),
                                          ("AUD", "USD"), ("USD", "CAD"), ("NZD", "USD")]]
FOREX_CROSSES = [_forex(b, q) for b, q in [("EUR", "GBP"), ("EUR", "JPY"), ("GBP", "JPY"), ("EUR", "CHF"),
                                           ("AUD", "JPY"), ("EUR", "AUD"), ("GBP", "CHF"), ("CAD", "JPY"),
                                           ("AUD", "NZD"), ("EUR", "CAD")]]
CRYPTO = [
    _crypto("BTC", "Bitcoin", 0.01, 2), _crypto("ETH", "Ether", 0.01, 2), _crypto("SOL", "Solana", 0.01, 2),
    _crypto("XRP", "XRP", 0.0001, 4), _crypto("ADA", "Cardano", 0.0001, 4), _crypto("DOGE", "Dogecoin", 0.00001, 5),
    _crypto("LTC", "Litecoin", 0.01, 2), _crypto("DOT", "Polkadot", 0.001, 3), _crypto("AVAX", "Avalanche", 0.01, 2),
    _crypto("LINK", "Chainlink", 0.001, 3),
]
INSTRUMENTS = STOCKS + STOCK_INDICES + FOREX_MAJORS + FOREX_CROSSES + CRYPTO
