import ccxt
import pytest

from config.outbound import HttpClient, TransportError
from market.providers.crypto import CryptoProvider
from market.timeframes import Timeframe
from tests.market.recorded_http import RecordedTransport

CANDLE_TIME = 1710327600  # 2024-03-13 11:00 UTC, recorded from Coinbase Exchange


def _provider(routes):
    exchange = ccxt.coinbaseexchange({"enableRateLimit": False})
    transport = RecordedTransport(routes)
    exchange.session.mount("https://", transport)
    return CryptoProvider(exchange=exchange, client=HttpClient(sleep=lambda s: None)), transport


ROUTES = [
    (lambda path, q: path == "/products", "coinbaseexchange_products.json"),
    (lambda path, q: path == "/products/BTC-USD/candles" and q["start"].startswith("2024-03-13T11"),
     "coinbaseexchange_candles_BTC-USD_page1.json"),
    (lambda path, q: path == "/products/BTC-USD/candles", "coinbaseexchange_candles_BTC-USD_page2.json"),
]


def test_candles_go_through_ccxts_real_parsing_into_bars():
    provider, transport = _provider(ROUTES)

    bars = provider.history("BTCUSD", Timeframe.H1, CANDLE_TIME, CANDLE_TIME + 7200)

    assert list(bars.time) == [CANDLE_TIME]
    # Coinbase answers [time, low, high, open, close, volume]; ccxt reorders it to OHLCV.
    assert (bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]) == \
        (73243.33, 73402.47, 73241.5, 73370.65, 1.56794406)
    candle_calls = [q for path, q in transport.calls if path.endswith("/candles")]
    assert candle_calls[0]["granularity"] == "3600"
    assert len(candle_calls) == 2  # paged on from the last candle until the range was covered


def test_an_unlisted_symbol_is_a_permanent_error_before_any_candle_request():
    provider, transport = _provider(ROUTES)

    with pytest.raises(TransportError, match="does not list DOGE/EUR") as error:
        provider.history("DOGEEUR", Timeframe.H1, CANDLE_TIME, CANDLE_TIME + 3600)

    assert error.value.permanent
    assert not [p for p, _ in transport.calls if p.endswith("/candles")]


def test_a_rate_limited_exchange_is_retried():
    replies = {"n": 0}

    def limited_once(path, query):
        if path.endswith("/candles") and replies["n"] == 0:
            replies["n"] += 1
            return True
        return False

    provider, _ = _provider([(limited_once, (429, {"message": "Public rate limit exceeded"})), *ROUTES])

    bars = provider.history("BTCUSD", Timeframe.H1, CANDLE_TIME, CANDLE_TIME + 3600)

    assert list(bars.time) == [CANDLE_TIME]


def test_a_timeframe_the_exchange_lacks_is_refused():
    provider, _ = _provider(ROUTES)

    with pytest.raises(TransportError, match="no H4 candles"):
        provider.history("BTCUSD", Timeframe.H4, CANDLE_TIME, CANDLE_TIME + 3600)
