import pytest

from config.outbound import HttpClient, TransportError
from market.arrays import BarArrays
from market.providers.alphavantage import AlphaVantageProvider
from market.providers.base import closed_since
from market.timeframes import Timeframe
from tests.market.conftest import FIXTURES, utc
from tests.market.recorded_http import RecordedTransport, session_with


def _provider(routes, slept=None):
    transport = RecordedTransport(routes)
    client = HttpClient(session=session_with(transport), sleep=(slept.append if slept is not None else lambda s: None))
    return AlphaVantageProvider(api_key="TESTKEY", client=client), transport


def _function(name):
    return lambda path, q: q.get("function") == name


def test_daily_stock_bars_are_parsed_oldest_first_with_volume():
    provider, transport = _provider([(_function("TIME_SERIES_DAILY"), "alphavantage_time_series_daily_GOOG.json")])

    bars = provider.history("GOOG", Timeframe.D1, utc("2013-02-01"), utc("2013-03-01"))

    goog = BarArrays.from_csv(FIXTURES / "GOOG_D1.csv").tail(5)
    assert list(bars.time) == list(goog.time)
    assert list(bars.close) == pytest.approx(list(goog.close))
    assert list(bars.volume) == list(goog.volume)
    assert transport.calls[0][1] == {"function": "TIME_SERIES_DAILY", "symbol": "GOOG", "outputsize": "full",
                                     "apikey": "TESTKEY"}


def test_forex_hourly_bars_are_utc_without_volume_and_the_forming_one_is_left_out():
    provider, _ = _provider([(_function("FX_INTRADAY"), "alphavantage_fx_intraday_EURUSD.json")])
    eurusd = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv").tail(6)

    bars = closed_since(provider, "EURUSD", Timeframe.H1, since=int(eurusd.time[0]), now=int(eurusd.time[-1]) + 1800)

    assert list(bars.time) == list(eurusd.time[1:-1])  # after `since`, and the last one is still forming
    assert list(bars.open) == pytest.approx(list(eurusd.open[1:-1]))
    assert set(bars.volume) == {0.0}


def test_the_http_200_rate_limit_note_is_retried_after_a_minute_then_succeeds():
    served = []

    def first_call(path, query):
        served.append(query["function"])
        return len(served) == 1

    slept = []
    provider, transport = _provider([(first_call, "alphavantage_note_rate_limit.json"),
                                     (_function("TIME_SERIES_DAILY"), "alphavantage_time_series_daily_GOOG.json")],
                                    slept)

    bars = provider.history("GOOG", Timeframe.D1, utc("2013-02-01"), utc("2013-03-01"))

    assert len(bars) == 5
    assert slept == [60.0]
    assert len(transport.calls) == 2


@pytest.mark.parametrize(("recorded", "says"), [
    ("alphavantage_error_invalid_symbol.json", "does not know this symbol"),
    ("alphavantage_error_invalid_key.json", "rejected the API key"),
    ("alphavantage_information_daily_limit.json", "daily limit reached"),
])
def test_bad_symbol_bad_key_and_the_daily_quota_fail_at_once_with_a_clear_error(recorded, says):
    slept = []
    provider, transport = _provider([(lambda p, q: True, recorded)], slept)

    with pytest.raises(TransportError, match=says) as error:
        provider.history("NOPE", Timeframe.D1, 0, utc("2013-03-01"))

    assert error.value.permanent
    assert len(transport.calls) == 1 and slept == []


def test_server_errors_are_retried_with_backoff_then_reported():
    slept = []
    provider, transport = _provider([(lambda p, q: True, (503, {"error": "busy"}))], slept)

    with pytest.raises(TransportError, match="HTTP 503"):
        provider.history("GOOG", Timeframe.D1, 0, utc("2013-03-01"))

    assert len(transport.calls) == 4
    assert slept == [1.0, 2.0, 4.0]


def test_stock_intraday_backfill_asks_one_month_at_a_time():
    provider, transport = _provider([(lambda p, q: True, (200, {"Meta Data": {}, "Time Series (60min)": {}}))])

    provider.history("GOOG", Timeframe.H1, utc("2024-01-15"), utc("2024-03-02"))

    assert [q["month"] for _, q in transport.calls] == ["2024-01", "2024-02", "2024-03"]


def test_a_missing_key_is_a_clear_error():
    with pytest.raises(TransportError, match="ALPHA_VANTAGE_API_KEY"):
        AlphaVantageProvider(api_key="")
