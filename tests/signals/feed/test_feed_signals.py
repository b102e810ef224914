"""Signals on the feed: the envelope and its seq, filters, unsubscribing, and each tier's rules."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from billing.entitlements import Entitlements
from billing.models import Plan
from signals import feed_hub
from signals.models import SignalPublication
from signals.payloads import signal_payload_for_tier
from tests.signals.feed.conftest import feed_client, layer_empty, next_message, nothing_arrives, publish, subscribe


async def test_a_published_signal_arrives_as_an_envelope_whose_seq_is_its_publication_id(premium):
    _, key = premium
    client = await feed_client(key)
    answer = await subscribe(client, ["signals"])

    signal = await publish(symbol="EURUSD", timeframe="H1")
    message = await next_message(client)

    publication, payload = await database_sync_to_async(lambda: (
        SignalPublication.objects.get(signal=signal, tier="premium"),
        signal_payload_for_tier(signal, entitlements=Entitlements.from_plan(Plan.objects.get(code="premium")))))()
    assert answer == {"type": "subscribed", "seq": None, "data": {"streams": ["signals"]}}
    assert set(message) == {"type", "seq", "data"}
    assert message["type"] == "signal.published"
    assert message["seq"] == publication.pk
    assert message["data"] == payload
    await client.disconnect()


async def test_seqs_increase_in_publication_order(premium):
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])

    for _ in range(5):
        await publish()
    seqs = [(await next_message(client))["seq"] for _ in range(5)]

    expected = await database_sync_to_async(
        lambda: list(SignalPublication.objects.filter(tier="premium").order_by("id").values_list("id", flat=True)))()
    assert seqs == expected
    await client.disconnect()


async def test_filters_keep_only_the_named_symbols_timeframes_and_asset_classes(premium):
    _, key = premium
    by_symbol, by_class_and_timeframe = await feed_client(key), await feed_client(key)
    await subscribe(by_symbol, ["signals"], {"symbol": ["btcusd", "GOOG"]})
    await subscribe(by_class_and_timeframe, ["signals"], {"asset_class": "forex", "timeframe": ["H4"]})

    await publish(symbol="EURUSD", timeframe="H1")
    await publish(symbol="BTCUSD", timeframe="H1")
    await publish(symbol="EURUSD", timeframe="H4")
    await publish(symbol="GOOG", timeframe="D1")

    symbols = [(m["data"]["instrument"], m["data"]["timeframe"]) for m in
               [await next_message(by_symbol), await next_message(by_symbol)]]
    forex_h4 = await next_message(by_class_and_timeframe)
    assert symbols == [("BTCUSD", "H1"), ("GOOG", "D1")]
    assert (forex_h4["data"]["instrument"], forex_h4["data"]["timeframe"]) == ("EURUSD", "H4")
    assert await nothing_arrives(by_symbol) and await nothing_arrives(by_class_and_timeframe)
    await by_symbol.disconnect()
    await by_class_and_timeframe.disconnect()


async def test_an_unknown_filter_is_answered_with_an_error_and_changes_nothing(premium):
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"], {"symbol": "GOOG"})

    error = await subscribe(client, ["signals"], {"colour": "red"})
    await publish(symbol="EURUSD")
    await publish(symbol="GOOG", timeframe="D1")

    assert error["type"] == "error" and "Unknown filter colour" in error["data"]["message"]
    assert (await next_message(client))["data"]["instrument"] == "GOOG"
    await client.disconnect()


async def test_after_unsubscribing_no_signal_arrives(premium):
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])
    await publish()
    await next_message(client)

    await client.send_json_to({"action": "unsubscribe", "streams": ["signals"]})
    answer = await next_message(client)
    await publish()

    assert answer == {"type": "unsubscribed", "seq": None, "data": {"streams": []}}
    assert await nothing_arrives(client)
    await client.disconnect()


async def test_a_free_client_never_gets_a_premium_only_signal_and_gets_its_own_copy_after_the_delay(premium, free):
    from signals.publishing import publications_release_due

    _, premium_key = premium
    _, free_key = free
    premium_client, free_client = await feed_client(premium_key), await feed_client(free_key)
    await subscribe(premium_client, ["signals"])
    await subscribe(free_client, ["signals"])

    hourly = await publish(symbol="EURUSD", timeframe="H1")  # not in Free's timeframes
    daily = await publish(symbol="GOOG", timeframe="D1")  # Free's, an hour later
    premium_seqs = [(await next_message(premium_client))["seq"] for _ in range(2)]
    nothing_before_the_delay = await nothing_arrives(free_client)
    released = await database_sync_to_async(
        lambda: publications_release_due(now=timezone.now() + timezone.timedelta(hours=1, seconds=1)))()
    free_message = await next_message(free_client)

    publications = await database_sync_to_async(lambda: {
        (p.signal_id, p.tier): p.pk for p in SignalPublication.objects.all()})()
    assert premium_seqs == [publications[(hourly.pk, "premium")], publications[(daily.pk, "premium")]]
    assert (hourly.pk, "free") not in publications
    assert nothing_before_the_delay and released == 1
    assert free_message["seq"] == publications[(daily.pk, "free")]
    assert free_message["data"]["signal_id"] == daily.pk
    assert free_message["data"]["confidence"] is None and free_message["data"]["reasoning"] is None
    assert await nothing_arrives(free_client)
    await premium_client.disconnect()
    await free_client.disconnect()


@pytest.mark.redis
async def test_the_feed_hears_its_streams_again_after_redis_forgets_its_groups(premium, monkeypatch):
    """A Redis restart (or a FLUSHDB) drops every group membership; the hub joins its groups again
    every GROUP_RENEW_SECONDS, so the feed resumes without a reconnect."""
    monkeypatch.setattr(feed_hub, "GROUP_RENEW_SECONDS", 0.2)
    _, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])
    await layer_empty()  # what a restarted Redis holds: no group, no channel

    await asyncio.sleep(0.5)
    signal = await publish(symbol="EURUSD", timeframe="H1")

    assert (await next_message(client))["data"]["signal_id"] == signal.pk
    await client.disconnect()
