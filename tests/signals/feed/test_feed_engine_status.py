"""The engine stream: the tier's engine status when subscribing, then each change."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.utils import timezone

from signals import feed_hub
from signals.models import EngineRun
from tests.signals.feed.conftest import feed_client, next_message, subscribe


def run_finished(*, tier: str, signals: int) -> EngineRun:
    now = timezone.now()
    return EngineRun.objects.create(tier=tier, trigger="bar_close", started_at=now, finished_at=now, pairs_wanted=3,
                                    pairs_computed=3, signals_created=signals, chunks_total=1, chunks_done=1)


async def test_a_subscriber_gets_the_status_at_once_and_each_finished_run_of_its_tier(premium, monkeypatch):
    monkeypatch.setattr(feed_hub, "POLL_SECONDS", 0.1)
    _, key = premium
    client = await feed_client(key)

    answer = await subscribe(client, ["engine"])
    first = await next_message(client)
    await database_sync_to_async(run_finished)(tier="free", signals=9)  # another tier's run: no change here
    await database_sync_to_async(run_finished)(tier="premium", signals=2)
    second = await next_message(client)

    assert answer["type"] == "subscribed"
    assert first["type"] == "engine.status" and first["seq"] is None
    assert first["data"]["tier"] == "premium" and first["data"]["last_run"] is None
    assert first["data"]["last_hour"] == {"runs": 0, "signals": 0, "errors": 0}
    assert first["data"]["hidden_fields"] == []
    assert second["data"]["last_run"]["signals_created"] == 2
    assert second["data"]["last_run"]["trigger"] == "bar_close"
    assert second["data"]["last_hour"] == {"runs": 1, "signals": 2, "errors": 0}
    await client.disconnect()


async def test_a_delayed_tier_is_not_told_how_many_signals_its_runs_made(free, monkeypatch):
    """Free receives a signal an hour after it is made: a count of signals made now would tell it early."""
    monkeypatch.setattr(feed_hub, "POLL_SECONDS", 0.1)
    _, key = free
    client = await feed_client(key)
    await subscribe(client, ["engine"])
    await next_message(client)
    await database_sync_to_async(run_finished)(tier="free", signals=1)
    status = (await next_message(client))["data"]

    assert status["tier"] == "free" and status["last_run"]["pairs_computed"] == 3
    assert status["last_run"]["signals_created"] is None and status["last_hour"]["signals"] is None
    assert status["last_hour"]["runs"] == 1 and status["hidden_fields"] == ["signals_created", "signals"]
    await client.disconnect()
