"""A client that stops reading is closed instead of growing the server's memory; one that reads keeps up.

The server sends at most `in_flight` frames that the client has not confirmed by answering a heartbeat;
the rest wait in a bounded outbox. A communicator that never reads never answers, like a stuck client.
"""

from __future__ import annotations

import asyncio
import json

from django.db import connections

from signals.feed_protocol import CLOSE_TOO_LATE, CLOSE_TOO_SLOW
from tests.signals.feed.conftest import close_of, feed_client, next_message, signal_publish, small_limits


async def unanswered_until(client, message_type: str) -> None:
    """Read up to the first `message_type`, answering no heartbeat."""
    while (await client.receive_json_from())["type"] != message_type:
        pass


def publish_many(count: int) -> None:
    try:
        for _ in range(count):
            signal_publish()
    finally:
        connections.close_all()


async def test_a_client_that_stops_reading_is_closed_once_its_outbox_is_full(premium, monkeypatch):
    limits = small_limits(monkeypatch, in_flight=4, ping_every=2, outbox=8, pong_deadline_seconds=60)
    _, key = premium
    client = await feed_client(key)
    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await unanswered_until(client, "subscribed")

    await asyncio.get_running_loop().run_in_executor(None, publish_many, 20)
    frames = []
    while (output := await client.receive_output(timeout=5))["type"] != "websocket.close":
        frames.append(json.loads(output["text"]))

    signals_sent = [f for f in frames if f["type"] == "signal.published"]
    assert output["code"] == CLOSE_TOO_SLOW
    assert frames[-1]["type"] == "error" and "does not read fast enough" in frames[-1]["data"]["message"]
    assert len(signals_sent) <= limits.in_flight  # the rest never left the server's bounded outbox


async def test_a_client_that_does_not_answer_heartbeats_is_closed(premium, monkeypatch):
    small_limits(monkeypatch, heartbeat_seconds=0.1, pong_deadline_seconds=0.3)
    _, key = premium
    client = await feed_client(key)

    code, reason = await close_of(client, timeout=5)

    assert code == CLOSE_TOO_LATE
    assert "was not answered within 0.3 s: the client stopped reading" in reason


async def test_a_client_that_reads_and_answers_gets_every_message_through_a_small_window(premium, monkeypatch):
    small_limits(monkeypatch, in_flight=4, ping_every=2, outbox=8, heartbeat_seconds=0.2, pong_deadline_seconds=2)
    _, key = premium
    client = await feed_client(key)
    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await next_message(client)

    publishing = asyncio.get_running_loop().run_in_executor(None, publish_many, 30)
    received = [await next_message(client) for _ in range(30)]
    await publishing
    await asyncio.sleep(0.5)  # a few idle heartbeats, answered
    later = await feed_client(key)  # the first still holds its slot and beats: it is open

    seqs = [m["seq"] for m in received]
    assert [m["type"] for m in received] == ["signal.published"] * 30
    assert seqs == sorted(set(seqs))
    await later.disconnect()
    await client.disconnect()


async def test_an_answer_to_a_heartbeat_never_read_confirms_nothing(premium, monkeypatch):
    """Heartbeat ids are random: a client cannot confirm frames by guessing the next id."""
    small_limits(monkeypatch, in_flight=4, ping_every=2, outbox=8, pong_deadline_seconds=60)
    _, key = premium
    client = await feed_client(key)
    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})
    await unanswered_until(client, "subscribed")

    for guess in range(1, 50):
        await client.send_json_to({"action": "pong", "id": guess})
    await asyncio.get_running_loop().run_in_executor(None, publish_many, 20)

    assert await close_of(client) == (CLOSE_TOO_SLOW, "More than 8 messages wait for this client: it does not "
                                                      "read fast enough. Reconnect and resume.")
