"""The portfolios stream: a tenant's sockets subscribed to it receive portfolio.updated after a closed bar
marks its portfolios; another tenant's sockets receive nothing of it."""

from __future__ import annotations

from channels.db import database_sync_to_async

from market.models import Bar, Instrument
from portfolios.books import utc
from portfolios.models import PaperPosition, Portfolio
from portfolios.processing import bar_closed_process
from tests.signals.feed.conftest import feed_client, next_message, nothing_arrives, subscribe, tenant_with_key

HOUR = 3600
START = 1_704_067_200


def hold_and_close(tenant) -> Portfolio:
    """A portfolio of `tenant` long 2 BTCUSD at 100, then BTCUSD's next hourly bar closing at 110."""
    btc = Instrument.objects.get(symbol="BTCUSD")
    portfolio = Portfolio.objects.create(tenant=tenant, name="Live", cash=10_000, equity=10_000)
    PaperPosition.objects.create(portfolio=portfolio, instrument=btc, quantity=2, average_price=100, last_price=100,
                                 opened_at=START - HOUR, swap_through=START - HOUR, high_seen=100, low_seen=100,
                                 entry_quantity=2)
    Bar.objects.create(instrument=btc, timeframe="H1", time=utc(START), open=100, high=111, low=99, close=110,
                       volume=1)
    bar_closed_process(instrument_id=btc.pk, timeframe="H1", bar_time=utc(START))  # commits, then sends
    return portfolio


async def test_a_marked_portfolio_reaches_its_tenants_sockets_only(feed_world):
    alpha, alpha_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Alpha")
    _, bravo_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Bravo")
    alpha_client, bravo_client = await feed_client(alpha_key), await feed_client(bravo_key)
    await subscribe(alpha_client, ["portfolios"])
    await subscribe(bravo_client, ["portfolios"])

    portfolio = await database_sync_to_async(hold_and_close)(alpha)
    message = await next_message(alpha_client)

    assert message["type"] == "portfolio.updated" and message["data"]["portfolio_id"] == portfolio.pk
    assert message["data"]["equity"] == 10_020 and message["data"]["positions"][0]["unrealized_pnl"] == 20
    assert await nothing_arrives(bravo_client)
    await alpha_client.disconnect()
    await bravo_client.disconnect()
