"""The `market` stream: a closed bar's price and change over the day reach every feed client that follows
it, sent once per close by the evaluation that claims the close (what the watchlist pages update from)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from channels.db import database_sync_to_async
from django.test import override_settings

from alerts.firing import claims_forget
from config.celery_app import app as celery_app
from market.arrays import BarArrays
from market.models import Instrument
from market.services import bars_ingest
from tests.signals.feed.conftest import feed_client, next_message, nothing_arrives, subscribe

START = datetime(2024, 3, 1, tzinfo=UTC)


def hourly_close(symbol: str, closes: list[float]) -> None:
    """Ingest hourly bars of `symbol` closing at `closes` as a live provider would (closed-bar events run
    eagerly after the commit: the alerts evaluation claims the close and sends its prices)."""
    instrument = Instrument.objects.get(symbol=symbol)
    values = np.asarray(closes, dtype=np.float64)
    times = np.array([int((START + timedelta(hours=i)).timestamp()) for i in range(len(values))], dtype=np.int64)
    bars = BarArrays(times, values, values + 1, values - 1, values, np.full(len(values), 10.0))
    celery_app.conf.task_always_eager = True
    try:
        with override_settings(BAR_CLOSED_TASKS=["alerts.tasks.alerts_on_bar_closed"]):
            bars_ingest(instrument=instrument, timeframe="H1", bars=bars, source="test", emit_events=True,
                        now=START + timedelta(hours=len(values)))
    finally:
        celery_app.conf.task_always_eager = False


async def test_a_closed_bar_reaches_a_market_subscriber_with_its_change_over_the_day(premium):
    claims_forget()
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["market"])

    await database_sync_to_async(hourly_close)("BTCUSD", [100.0 + i for i in range(24)] + [150.0])

    message = await next_message(client)
    assert message["type"] == "market.bar_closed" and message["seq"] is None
    data = message["data"]
    assert (data["instrument"], data["asset_class"], data["timeframe"], data["price"]) == ("BTCUSD", "crypto", "H1",
                                                                                            "150.00")
    assert data["closed_at"] == "2024-03-02T01:00:00+00:00" and data["closed_at_epoch"] == 1709341200
    assert abs(data["day_change_pct"] - 50.0) < 1e-9  # against the close 24 hours earlier, 100
    assert await nothing_arrives(client)  # once per close
    await client.disconnect()


async def test_a_market_subscriber_filtering_by_symbol_gets_those_symbols_only(free):
    claims_forget()
    _, key = free  # the Free plan follows the feed, and sees every instrument's price, as on its pages
    client = await feed_client(key)
    answer = await subscribe(client, ["market"], {"symbol": ["ethusd"]})
    assert answer["type"] == "subscribed", answer

    await database_sync_to_async(hourly_close)("BTCUSD", [100.0, 101.0])
    await database_sync_to_async(hourly_close)("ETHUSD", [10.0, 11.0])

    message = await next_message(client)
    assert (message["data"]["instrument"], message["data"]["price"]) == ("ETHUSD", "11.00")
    assert message["data"]["day_change_pct"] is None  # no close a day older
    assert await nothing_arrives(client)
    await client.disconnect()


async def test_a_client_not_following_the_market_gets_no_prices(premium):
    claims_forget()
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["alerts"])

    await database_sync_to_async(hourly_close)("BTCUSD", [100.0, 101.0])

    assert await nothing_arrives(client)
    await client.disconnect()
