"""The backtests stream: a tenant's sockets subscribed to it hear its backtest's progress (percent and
stage) as the task runs, then its end (done, failed, cancelled); another tenant's sockets hear none of it."""

from __future__ import annotations

from channels.db import database_sync_to_async

from backtests import services
from backtests.models import Backtest
from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import bars_ingest
from tests.signals.feed.conftest import feed_client, next_message, nothing_arrives, subscribe, tenant_with_key

SMA = {"strategy": "sma_cross", "symbol": "GOOG", "timeframe": "D1", "start": "2004-08-19", "end": "2013-03-02",
       "costs": "none", "fast": 10, "slow": 20}


def goog_bars() -> None:
    bars_ingest(instrument=Instrument.objects.get(symbol="GOOG"), timeframe="D1",
                bars=BarArrays.from_csv(FIXTURES / "GOOG_D1.csv"), source="test")


def queued_backtest(tenant, data: dict) -> Backtest:
    return services.backtest_create(tenant=tenant, user=None, data=data)


async def messages_until_finished(client) -> list[dict]:
    found = [await next_message(client)]
    while found[-1]["type"] == "backtest.progress":
        found.append(await next_message(client))
    return found


async def alphas_backtest_watched_by_both(monkeypatch):
    """Alpha's queued backtest (the test runs its task) and two sockets on the backtests stream: Alpha's, Bravo's."""
    monkeypatch.setattr(services, "_queue", lambda backtest_id: None)
    alpha, alpha_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Alpha")
    _, bravo_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Bravo")
    await database_sync_to_async(goog_bars)()
    backtest = await database_sync_to_async(queued_backtest)(alpha, SMA)
    alpha_client, bravo_client = await feed_client(alpha_key), await feed_client(bravo_key)
    await subscribe(alpha_client, ["backtests"])
    await subscribe(bravo_client, ["backtests"])
    return backtest, alpha_client, bravo_client


async def test_a_running_backtest_reaches_its_tenants_sockets_and_never_another(feed_world, monkeypatch):
    backtest, alpha_client, bravo_client = await alphas_backtest_watched_by_both(monkeypatch)

    await database_sync_to_async(services.backtest_execute)(backtest_id=backtest.pk)
    messages = await messages_until_finished(alpha_client)

    progress = [m["data"] for m in messages[:-1]]
    assert {p["backtest_id"] for p in progress} == {backtest.pk} and {p["stage"] for p in progress} == {"simulation"}
    percents = [p["percent"] for p in progress]
    assert percents == sorted(percents) and len(percents) >= 5 and percents[-1] < 100
    assert messages[-1] == {"type": "backtest.done", "seq": None,
                            "data": {"backtest_id": backtest.pk, "status": "done", "percent": 100}}
    assert await nothing_arrives(bravo_client)
    await alpha_client.disconnect()
    await bravo_client.disconnect()


async def test_a_cancelled_backtest_is_announced_to_its_tenant_only(feed_world, monkeypatch):
    backtest, alpha_client, bravo_client = await alphas_backtest_watched_by_both(monkeypatch)

    assert await database_sync_to_async(services.backtest_cancel)(backtest=backtest)
    message = await next_message(alpha_client)

    assert message["type"] == "backtest.cancelled" and message["data"]["backtest_id"] == backtest.pk
    assert await nothing_arrives(bravo_client)
    await alpha_client.disconnect()
    await bravo_client.disconnect()
