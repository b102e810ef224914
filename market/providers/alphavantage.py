"""Alpha Vantage: US stocks and forex over REST, with an API key.

Endpoints (https://www.alphavantage.co/documentation/):
  stocks  D1  TIME_SERIES_DAILY (outputsize=full)            "Time Series (Daily)", dates
          H1  TIME_SERIES_INTRADAY (interval=60min, month=)  "Time Series (60min)", US/Eastern
  forex   D1  FX_DAILY (outputsize=full)                     "Time Series FX (Daily)", dates
          H1  FX_INTRADAY (interval=60min, outputsize=full)  "Time Series FX (60min)", UTC
Bar times are taken as open times. Forex series carry no volume (stored as 0).
Errors arrive with HTTP 200: {"Note": ...} or {"Information": ...} when the per-minute rate is
exceeded (retried after a minute; a daily quota or a premium-only endpoint is not retried), and
{"Error Message": ...} for a bad symbol or key (permanent).
Stock intraday history is backfilled a month at a time with `month=YYYY-MM`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd

from config.outbound import HttpClient, TransportError
from market.arrays import BarArrays
from market.providers.base import BarRow, bars_from_rows
from market.timeframes import Timeframe

BASE_URL = "https://www.alphavantage.co/query"
RATE_LIMIT_RETRY_SECONDS = 60.0
EASTERN = ZoneInfo("America/New_York")


# ISO 4217 codes of the currencies Beacon trades; a six-letter symbol made of two of them is a pair.
CURRENCIES = {"USD", "EUR", "GBP", "JPY", "CHF", "AUD", "CAD", "NZD", "SEK", "NOK", "DKK", "SGD", "HKD", "MXN",
              "ZAR", "TRY", "PLN", "CNH"}


def is_currency_pair(symbol: str) -> bool:
    return len(symbol) == 6 and symbol[:3] in CURRENCIES and symbol[3:] in CURRENCIES


def check_answer(body: object) -> None:
    if not isinstance(body, dict):
        raise TransportError("Alpha Vantage answered with something that is not an object", permanent=True)
    if "Error Message" in body:
        message = body["Error Message"]
        if "apikey" in message.lower():
            raise TransportError("Alpha Vantage rejected the API key (ALPHA_VANTAGE_API_KEY).", permanent=True)
        raise TransportError(f"Alpha Vantage does not know this symbol: {message}", permanent=True)
    for key in ("Note", "Information"):
        if key in body and not any(k.startswith("Time Series") for k in body):
            text = body[key]
            lowered = text.lower()
            if "premium endpoint" in lowered:
                raise TransportError(f"Alpha Vantage: this series needs a premium plan. {text}", permanent=True)
            if "api key" in lowered and "invalid" in lowered:
                raise TransportError("Alpha Vantage rejected the API key (ALPHA_VANTAGE_API_KEY).", permanent=True)
            if "per minute" not in lowered and ("per day" in lowered or "daily" in lowered):
                # Retrying within minutes cannot help; the next scheduled poll tries again.
                raise TransportError(f"Alpha Vantage daily limit reached: {text}", permanent=True)
            raise TransportError(f"Alpha Vantage rate limit: {text}", retry_after=RATE_LIMIT_RETRY_SECONDS)


class AlphaVantageProvider:
    name = "alphavantage"

    def __init__(self, *, api_key: str, client: HttpClient | None = None):
        if not api_key:
            raise TransportError("No Alpha Vantage API key: set ALPHA_VANTAGE_API_KEY.", permanent=True)
        self.api_key = api_key
        self.client = client or HttpClient()

    def history(self, symbol: str, timeframe: Timeframe, start: int, end: int) -> BarArrays:
        timeframe = Timeframe(timeframe)
        asset_class = "forex" if is_currency_pair(symbol) else "stock"
        requests_ = self._requests(symbol, timeframe, asset_class, start, end)
        rows: list[BarRow] = []
        for params, series_key, zone in requests_:
            body = self.client.get_json(BASE_URL, params={**params, "apikey": self.api_key}, check=check_answer)
            assert isinstance(body, dict)  # check_answer refused anything else
            rows += _rows(body.get(series_key, {}), zone)
        bars = bars_from_rows(rows)
        return bars.where((bars.time >= start) & (bars.time <= end))

    def _requests(self, symbol: str, timeframe: Timeframe, asset_class: str, start: int,
                  end: int) -> list[tuple[dict[str, str], str, ZoneInfo | None]]:
        """Per request: its parameters, its series' key in the answer, the zone of its times (None: UTC)."""
        if asset_class == "forex":
            base, quote = symbol[:3], symbol[3:]
            if timeframe == Timeframe.D1:
                return [({"function": "FX_DAILY", "from_symbol": base, "to_symbol": quote, "outputsize": "full"},
                         "Time Series FX (Daily)", None)]
            if timeframe == Timeframe.H1:
                return [({"function": "FX_INTRADAY", "from_symbol": base, "to_symbol": quote, "interval": "60min",
                          "outputsize": "full"}, "Time Series FX (60min)", None)]
        elif timeframe == Timeframe.D1:
            return [({"function": "TIME_SERIES_DAILY", "symbol": symbol, "outputsize": "full"},
                     "Time Series (Daily)", None)]
        elif timeframe == Timeframe.H1:
            months = pd.period_range(pd.Timestamp(start, unit="s"), pd.Timestamp(end, unit="s"), freq="M")
            return [({"function": "TIME_SERIES_INTRADAY", "symbol": symbol, "interval": "60min",
                      "outputsize": "full", "month": str(month)}, "Time Series (60min)", EASTERN) for month in months]
        raise TransportError(f"Alpha Vantage has no {timeframe} series for {asset_class}", permanent=True)


def _rows(series: dict[str, dict[str, str]], zone: ZoneInfo | None) -> list[BarRow]:
    if not series:
        return []
    times = pd.to_datetime(list(series.keys()))
    times = times.tz_localize(zone).tz_convert("UTC") if zone is not None else times.tz_localize("UTC")
    epoch = times.as_unit("s").asi8
    rows: list[BarRow] = []
    for when, values in zip(epoch, series.values(), strict=True):
        try:
            rows.append((int(when), float(values["1. open"]), float(values["2. high"]), float(values["3. low"]),
                         float(values["4. close"]), float(values.get("5. volume", 0.0))))
        except (KeyError, ValueError, TypeError) as error:
            raise TransportError(f"Alpha Vantage bar at {when} is malformed: {values!r}", permanent=True) from error
    return rows
