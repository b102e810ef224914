"""Which provider serves an instrument, configured from settings."""

from __future__ import annotations

from django.conf import settings

from config.outbound import TransportError
from market.models import Instrument
from market.providers.alphavantage import AlphaVantageProvider
from market.providers.bundled import BundledProvider
from market.providers.crypto import CryptoProvider


def provider_for(*, instrument: Instrument, name: str | None = None):
    """The provider of an instrument: ccxt for crypto, Alpha Vantage for stocks and forex, or by name."""
    name = name or ("ccxt" if instrument.asset_class == "crypto" else "alphavantage")
    if name == "ccxt":
        return CryptoProvider(exchange_id=settings.MARKET_CRYPTO_EXCHANGE)
    if name == "alphavantage":
        return AlphaVantageProvider(api_key=settings.ALPHA_VANTAGE_API_KEY)
    if name == "bundled":
        return BundledProvider()
    raise TransportError(f"Unknown provider {name!r}; use ccxt, alphavantage or bundled.", permanent=True)
