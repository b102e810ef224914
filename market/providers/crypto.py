"""Crypto OHLCV through ccxt's public endpoints (no key). Default exchange: Coinbase Exchange.

ccxt parses each exchange's own REST format; this adapter maps symbols (BTCUSD -> BTC/USD),
pages backwards-compatible `since`/`limit` requests forward until `end`, lets ccxt pace requests
(enableRateLimit), retries network errors and rate limits through the one retry policy, and turns
an unknown symbol into a permanent error. Markets are loaded once per adapter; currencies are not
needed for candles and are not fetched.
"""

from __future__ import annotations

from functools import partial

import ccxt

from config.outbound import HttpClient, TransportError
from market.arrays import BarArrays
from market.providers.base import BarRow, bars_from_rows
from market.timeframes import Timeframe

# Coinbase Exchange's granularities: 1m, 5m, 15m, 1h, 6h, 1d (no 4h: H4 is resampled from H1).
CCXT_TIMEFRAMES = {Timeframe.M1: "1m", Timeframe.M5: "5m", Timeframe.M15: "15m", Timeframe.H1: "1h",
                   Timeframe.D1: "1d"}
PAGE_LIMIT = 300


class CryptoProvider:
    name = "ccxt"

    def __init__(self, *, exchange_id: str = "coinbaseexchange", exchange: ccxt.Exchange | None = None,
                 client: HttpClient | None = None):
        self.exchange = exchange or getattr(ccxt, exchange_id)({"enableRateLimit": True, "timeout": 20000})
        self.exchange.has["fetchCurrencies"] = False
        self.client = client or HttpClient()

    @staticmethod
    def market_symbol(symbol: str) -> str:
        """BTCUSD -> BTC/USD; a symbol already in ccxt form is kept."""
        return symbol if "/" in symbol else f"{symbol[:-3]}/{symbol[-3:]}"

    def history(self, symbol: str, timeframe: Timeframe, start: int, end: int) -> BarArrays:
        timeframe = Timeframe(timeframe)
        if timeframe not in CCXT_TIMEFRAMES:
            raise TransportError(f"{self.exchange.id} has no {timeframe} candles", permanent=True)
        market = self.market_symbol(symbol)
        self.client.retrying(self._load_markets)
        if market not in self.exchange.markets:
            raise TransportError(f"{self.exchange.id} does not list {market}", permanent=True)
        rows: list[BarRow] = []
        since = start
        while since <= end:
            page = self.client.retrying(partial(self._fetch, market, CCXT_TIMEFRAMES[timeframe], since))
            rows += [r for r in page if start <= r[0] <= end]
            if not page or page[-1][0] < since:
                break
            since = page[-1][0] + timeframe.seconds
        return bars_from_rows(rows)

    def _load_markets(self) -> None:
        try:
            self.exchange.load_markets()
        except (ccxt.NetworkError, ccxt.RateLimitExceeded) as error:
            raise TransportError(f"{self.exchange.id}: {error.__class__.__name__}") from error

    def _fetch(self, market: str, timeframe: str, since: int) -> list[BarRow]:
        """A page of candles from `since` (epoch s), oldest first; an unknown volume is 0."""
        try:
            candles = self.exchange.fetch_ohlcv(market, timeframe, since=since * 1000, limit=PAGE_LIMIT)
        except ccxt.BadSymbol as error:
            raise TransportError(f"{self.exchange.id} does not list {market}", permanent=True) from error
        except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as error:
            raise TransportError(f"{self.exchange.id} rate limit", retry_after=5.0) from error
        except ccxt.NetworkError as error:
            raise TransportError(f"{self.exchange.id}: {error.__class__.__name__}") from error
        except ccxt.ExchangeError as error:
            raise TransportError(f"{self.exchange.id}: {error}", permanent=True) from error
        return [(c[0] // 1000, c[1], c[2], c[3], c[4], c[5] or 0.0) for c in candles]  # ccxt times are ms
