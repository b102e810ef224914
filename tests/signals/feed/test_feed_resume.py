"""Resuming: every message above the client's last seq, in order, once, then the live stream."""

from __future__ import annotations

import asyncio
import threading
import time

from channels.db import database_sync_to_async
from django.db import connections
from django.utils import timezone

from config import channel_sender
from signals.models import SignalPublication
from tests.signals.feed.conftest import feed_client, next_message, nothing_arrives, publish, signal_publish


def burst(stop: threading.Event, *, at_least: int, pause: float) -> int:
    """Publish a signal every `pause` seconds from a thread of its own (as a worker would), until `stop`
    is set and at least `at_least` are out; returns how many."""
    count = 0
    try:
        while count < at_least or not stop.is_set():
            signal_publish()
            count += 1
            time.sleep(pause)
        return count
    finally:
        connections.close_all()


async def until(client, done) -> list[dict]:
    """Messages, in the order they came, until `done(messages)`."""
    received: list[dict] = []
    while not done(received):
        received.append(await next_message(client, timeout=10))
    return received


async def subscribed_with_sends_held(key: str, monkeypatch) -> tuple:
    """A client subscribed to signals, and the list where the publications' live sends are kept from now on
    (each a group_send_many's messages), so that a test sends them when and as it likes."""
    client = await feed_client(key)
    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await next_message(client)
    held: list[list] = []
    monkeypatch.setattr("signals.publishing.group_send_many", held.append)
    return client, held


def premium_seqs() -> list[int]:
    return list(SignalPublication.objects.filter(tier="premium").order_by("id").values_list("id", flat=True))


async def test_a_client_that_resumes_after_a_disconnect_mid_burst_misses_nothing_and_gets_nothing_twice(premium):
    _, key = premium
    first = await feed_client(key)
    await first.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await next_message(first)
    stop = threading.Event()
    publishing = asyncio.get_running_loop().run_in_executor(None, lambda: burst(stop, at_least=20, pause=0.03))

    before = [(await next_message(first))["seq"] for _ in range(8)]
    await first.disconnect()  # mid-burst: what follows is published while no socket of ours is open
    await asyncio.sleep(0.2)
    second = await feed_client(key)
    await second.send_json_to({"action": "resume", "after": before[-1]})
    after = await until(second, lambda got: any(m["type"] == "resumed" for m in got[:-3]))  # and 3 live
    stop.set()
    published = await publishing
    after += await until(second, lambda got: sum(m["type"] == "signal.published" for m in after + got)
                         == published - len(before))

    everything = await database_sync_to_async(premium_seqs)()
    resumed = [m for m in after if m["type"] == "resumed"]
    replayed_then_live = [m["seq"] for m in after if m["type"] == "signal.published"]
    assert before + replayed_then_live == everything  # all, in order, none twice
    assert len(resumed) == 1 and resumed[0]["data"]["after"] == before[-1]
    assert 0 < resumed[0]["data"]["replayed"] < len(replayed_then_live)  # the rest came live, held meanwhile
    assert await nothing_arrives(second)
    await second.disconnect()


async def test_resume_keeps_the_filters_it_is_given(premium):
    _, key = premium
    await publish(symbol="EURUSD")
    wanted = await publish(symbol="GOOG", timeframe="D1")
    client = await feed_client(key)

    await client.send_json_to({"action": "resume", "after": 0, "filters": {"symbol": "GOOG"}})
    replayed = await next_message(client)
    resumed = await next_message(client)
    await publish(symbol="EURUSD")
    live = await publish(symbol="GOOG", timeframe="D1")
    live_message = await next_message(client)

    assert replayed["data"]["signal_id"] == wanted.pk
    assert resumed["type"] == "resumed" and resumed["data"]["replayed"] == 1
    assert live_message["data"]["signal_id"] == live.pk
    await client.disconnect()


async def test_a_free_client_resumes_only_publications_already_released(premium, free):
    from signals.publishing import publications_release_due

    _, key = free
    released = await publish(symbol="GOOG", timeframe="D1")
    await database_sync_to_async(lambda: publications_release_due(
        now=timezone.now() + timezone.timedelta(hours=1, seconds=1)))()
    await publish(symbol="GOOG", timeframe="D1")  # still within Free's delay
    await publish(symbol="EURUSD", timeframe="H1")  # never Free's
    client = await feed_client(key)

    await client.send_json_to({"action": "resume", "after": 0})
    replayed = await next_message(client)
    resumed = await next_message(client)

    seq = await database_sync_to_async(lambda: SignalPublication.objects.get(signal=released, tier="free").pk)()
    assert (replayed["type"], replayed["seq"]) == ("signal.published", seq)
    assert resumed["type"] == "resumed" and resumed["data"]["last_seq"] == seq
    assert await nothing_arrives(client)
    await client.disconnect()


async def test_live_messages_sent_out_of_order_reach_the_client_in_seq_order_once(premium, monkeypatch):
    """Two workers commit one after the other but their sends race: the later one arrives first."""
    _, key = premium
    client, held = await subscribed_with_sends_held(key, monkeypatch)
    first, second = await publish(), await publish()

    for messages in reversed(held):
        await database_sync_to_async(channel_sender.group_send_many)(messages)
    received = [await next_message(client), await next_message(client)]

    assert [m["data"]["signal_id"] for m in received] == [first.pk, second.pk]
    assert await nothing_arrives(client)  # the first's late copy is not sent again
    await client.disconnect()


async def test_a_batch_taken_from_the_layer_goes_out_in_seq_order_with_what_it_lacked_after_one_database_read(
        premium, monkeypatch):
    """What waits in the layer is taken at once (config.channel_receiver): out of order, with a gap."""
    from signals import feed_hub, feed_streams

    _, key = premium
    client, held = await subscribed_with_sends_held(key, monkeypatch)
    signals = [await publish() for _ in range(3)]
    first, _, third = [next(m for group, m in messages if group == "signals.premium") for messages in held]
    reads: list[dict] = []
    read = feed_streams.publication_messages_after
    monkeypatch.setattr(feed_streams, "publication_messages_after", lambda **kw: reads.append(kw) or read(**kw))

    await feed_hub.feed_hub().feeds[("signals", "premium")]._dispatch([third, first])  # the second never came
    received = [await next_message(client) for _ in range(3)]

    assert [m["data"]["signal_id"] for m in received] == [s.pk for s in signals]
    assert len(reads) == 1
    assert await nothing_arrives(client)
    await client.disconnect()


async def test_a_publication_the_layer_lost_with_nothing_after_it_still_reaches_the_client_once(premium,
                                                                                                 monkeypatch):
    from signals import feed_hub

    monkeypatch.setattr(feed_hub, "GAP_CHECK_SECONDS", 0.2)
    _, key = premium
    client = await feed_client(key)
    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await next_message(client)
    monkeypatch.setattr("signals.publishing.group_send_many", lambda messages: None)  # lost on the way

    lost = await publish()
    received = await next_message(client, timeout=5)

    assert received["data"]["signal_id"] == lost.pk
    assert await nothing_arrives(client)
    await client.disconnect()


async def test_a_stream_without_a_sequence_cannot_be_resumed(premium):
    _, key = premium
    client = await feed_client(key)

    await client.send_json_to({"action": "resume", "after": 3, "stream": "engine"})
    answer = await next_message(client)

    assert answer["type"] == "error" and "cannot be resumed" in answer["data"]["message"]
    await client.disconnect()


async def test_a_publication_whose_live_copy_is_still_on_its_way_reaches_a_resuming_client_once(premium, monkeypatch):
    _, key = premium
    live_client, held = await subscribed_with_sends_held(key, monkeypatch)  # this process already receives the tier
    signal = await publish()  # committed; its live copy is still on its way
    resuming = await feed_client(key)

    await resuming.send_json_to({"action": "resume", "after": 0})
    resumed = await next_message(resuming)  # nothing this process sent is newer: the rest comes live
    await database_sync_to_async(channel_sender.group_send_many)(held[0])  # the live copy arrives now
    live, at_the_resumed = await next_message(live_client), await next_message(resuming)

    assert resumed["type"] == "resumed" and resumed["data"]["replayed"] == 0
    assert at_the_resumed["data"]["signal_id"] == live["data"]["signal_id"] == signal.pk
    assert await nothing_arrives(resuming)
    await live_client.disconnect()
    await resuming.disconnect()


async def test_a_resume_longer_than_the_window_goes_on_as_the_client_answers(premium, monkeypatch):
    """The replay waits for room in the outbox, which the client's heartbeat answers make."""
    from signals import feed_connection
    from tests.signals.feed.conftest import small_limits

    small_limits(monkeypatch, in_flight=4, ping_every=2, outbox=8)
    monkeypatch.setattr(feed_connection, "REPLAY_PAGE", 4)
    _, key = premium
    for _ in range(30):
        await publish()
    client = await feed_client(key)

    await client.send_json_to({"action": "resume", "after": 0})
    received = [await next_message(client) for _ in range(31)]

    everything = await database_sync_to_async(premium_seqs)()
    assert [m["seq"] for m in received[:30]] == everything
    assert received[30]["type"] == "resumed" and received[30]["data"]["replayed"] == 30
    await client.disconnect()


async def test_a_second_resume_while_one_is_under_way_is_refused(premium, monkeypatch):
    from signals import feed_connection
    from tests.signals.feed.conftest import small_limits

    small_limits(monkeypatch, in_flight=2, ping_every=1, outbox=4)
    monkeypatch.setattr(feed_connection, "REPLAY_PAGE", 2)
    _, key = premium
    for _ in range(10):
        await publish()
    client = await feed_client(key)

    await client.send_json_to({"action": "resume", "after": 0})
    await client.send_json_to({"action": "resume", "after": 0})  # while the first waits for room
    messages = [await next_message(client) for _ in range(12)]  # the error comes among the replay's

    errors = [m for m in messages if m["type"] == "error"]
    assert len(errors) == 1 and "A resume is under way" in errors[0]["data"]["message"]
    assert [m["type"] for m in messages].count("signal.published") == 10
    assert [m["type"] for m in messages].count("resumed") == 1
    assert await nothing_arrives(client)  # and no second replay
    await client.disconnect()


def resume_reads(monkeypatch) -> list[int]:
    """Each database read of the signals stream from a resume (`before` None), as the seq it read after."""
    from signals import feed_streams

    reads: list[int] = []
    read = feed_streams.publication_messages_after

    def counted(*, tier, after, before=None, limit=200):
        if before is None:
            reads.append(after)
        return read(tier=tier, after=after, before=before, limit=limit)

    monkeypatch.setattr(feed_streams, "publication_messages_after", counted)
    return reads


async def watched_publications(key: str, count: int):
    """A client of the tier live on the signals stream (so this process joins the tier), and the seqs of
    `count` signals published then, as it received them."""
    watcher = await feed_client(key)
    await watcher.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await next_message(watcher)
    for _ in range(count):
        await publish()
    return watcher, [(await next_message(watcher))["seq"] for _ in range(count)]


async def test_a_resume_within_what_the_process_sent_is_served_without_the_database(premium, monkeypatch):
    _, key = premium
    watcher, sent = await watched_publications(key, 3)
    reads = resume_reads(monkeypatch)

    client = await feed_client(key)
    await client.send_json_to({"action": "resume", "after": sent[0]})
    replayed = [await next_message(client) for _ in range(3)]

    assert [m["seq"] for m in replayed[:2]] == sent[1:]
    assert replayed[2]["type"] == "resumed" and replayed[2]["data"]["replayed"] == 2
    assert reads == []
    await watcher.disconnect()
    await client.disconnect()


async def test_a_resume_from_before_the_kept_history_reads_the_database_and_misses_nothing(premium, monkeypatch):
    from signals import feed_hub

    monkeypatch.setattr(feed_hub, "HISTORY", 2)
    _, key = premium
    await publish()  # before this process joined the tier
    watcher, sent = await watched_publications(key, 4)
    reads = resume_reads(monkeypatch)

    from_start = await feed_client(key)
    await from_start.send_json_to({"action": "resume", "after": 0})
    everything = [(await next_message(from_start))["seq"] for _ in range(5)]
    assert (await next_message(from_start))["type"] == "resumed"
    assert reads == [0]  # from before the history: one page from the database
    recent = await feed_client(key)
    await recent.send_json_to({"action": "resume", "after": sent[1]})  # the two kept are all it lacks
    kept = [(await next_message(recent))["seq"] for _ in range(2)]

    assert everything == await database_sync_to_async(premium_seqs)()
    assert kept == sent[2:] and reads == [0]
    for client in (watcher, from_start, recent):
        await client.disconnect()
