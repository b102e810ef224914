"""The feed served by a real daphne process on PostgreSQL and Redis, followed by the reference client.

The server is a separate process on this test's database, as a web process is in production: the
signals published here reach it through Redis.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from channels.db import database_sync_to_async
from django.db import connection, connections

from signals.feed_client import FeedClient, FeedClosed
from signals.feed_protocol import CLOSE_TOO_SLOW, CLOSE_UNAUTHENTICATED
from signals.models import SignalPublication
from tests.servers import free_port, port_wait
from tests.signals.feed.conftest import signal_publish

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).resolve().parents[3]
SMALL_LIMITS = "DeliveryLimits(in_flight=8, ping_every=4, outbox=16, heartbeat_seconds=1, pong_deadline_seconds=5)"


class Daphne:
    """daphne serving config.asgi on this test's database; `limits` replaces the sockets' DeliveryLimits."""

    def __init__(self, port: int, *, limits: str | None = None):
        self.port, self.limits, self.process = port, limits, None
        self.url = f"ws://127.0.0.1:{port}/ws/v1/feed/"

    def start(self) -> Daphne:
        url = urlsplit(os.environ["DATABASE_URL"])
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "DATABASE_URL": urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))}
        code = ["import sys, django", "django.setup()"]
        if self.limits:
            code += ["from signals import feed_connection", "from signals.feed_sockets import DeliveryLimits",
                     f"feed_connection.DELIVERY_LIMITS = {self.limits}"]
        code += ["from daphne.cli import CommandLineInterface", "CommandLineInterface().run(sys.argv[1:])"]
        self.process = subprocess.Popen(
            [sys.executable, "-c", "; ".join(code), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_wait(self.port, what="daphne")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


@pytest.fixture
def daphne(transactional_db):
    servers: list[Daphne] = []

    def start(port: int | None = None, **kwargs) -> Daphne:
        servers.append(Daphne(port or free_port(), **kwargs).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def publish_many(count: int, pause: float = 0.0) -> None:
    try:
        for _ in range(count):
            signal_publish()
            time.sleep(pause)
    finally:
        connections.close_all()


async def in_thread(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def wait_until(condition, *, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_the_reference_client_resumes_after_the_server_restarts_and_misses_nothing(premium, daphne, tmp_path):
    _, key = premium
    server = daphne()
    received: list[dict] = []
    state = tmp_path / "feed.json"
    client = FeedClient(url=server.url, key=key, state_file=state, on_message=received.append)
    stop = asyncio.Event()
    following = asyncio.create_task(client.run(stop=stop))
    await wait_until(lambda: client.connections == 1)
    await asyncio.sleep(0.3)  # subscribed

    await in_thread(publish_many, 5)
    await wait_until(lambda: len(received) == 5)
    server.stop()  # the client loses its connection; what follows is published while no server runs
    await in_thread(publish_many, 5)
    daphne(server.port)
    await wait_until(lambda: len(received) == 10)
    await in_thread(publish_many, 5)
    await wait_until(lambda: len(received) == 15)
    stop.set()
    await following

    expected = await database_sync_to_async(lambda: list(
        SignalPublication.objects.filter(tier="premium").order_by("id").values_list("id", flat=True)))()
    assert [m["seq"] for m in received] == expected  # all fifteen, in order, once
    assert client.connections == 2
    assert json.loads(state.read_text()) == {"after": expected[-1]}


async def test_the_reference_client_counts_the_servers_closes_by_code_and_stops_at_a_refused_key(daphne):
    server = daphne()
    client = FeedClient(url=server.url, key="bk_not_a_key")

    with pytest.raises(FeedClosed) as refused:
        await asyncio.wait_for(client.run(), timeout=30)

    assert refused.value.code == CLOSE_UNAUTHENTICATED
    assert client.closes == {CLOSE_UNAUTHENTICATED: 1}
    assert client.connections == 1


async def test_the_feed_command_prints_json_lines_and_keeps_its_place(premium, daphne, tmp_path):
    _, key = premium
    server = daphne()
    await in_thread(publish_many, 3)
    state = tmp_path / "feed.json"
    command = subprocess.Popen(
        [sys.executable, "manage.py", "feed", "--key", key, "--url", server.url, "--after", "0", "--state-file",
         str(state), "--symbol", "EURUSD"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [await in_thread(command.stdout.readline) for _ in range(3)]
        last = json.loads(lines[-1])["seq"]
        await wait_until(lambda: state.exists() and json.loads(state.read_text())["after"] == last)
    finally:
        command.terminate()
        command.wait(timeout=30)

    messages = [json.loads(line) for line in lines]
    assert [m["type"] for m in messages] == ["signal.published"] * 3
    assert json.loads(state.read_text()) == {"after": messages[-1]["seq"]}


async def test_under_daphne_a_client_that_stops_answering_gets_at_most_its_window_then_a_close(premium, daphne):
    """Under daphne the server cannot see whether a client read what it sent (its transport buffers it);
    it sees answers to heartbeats. A client that stops reading stops answering: this one takes in
    frames (so it also sees the close) and answers nothing."""
    _, key = premium
    server = daphne(limits=SMALL_LIMITS)
    frames = []
    async with aiohttp.ClientSession() as session, session.ws_connect(server.url) as ws:
        await ws.send_json({"action": "auth", "key": key})
        await ws.send_json({"action": "subscribe", "streams": ["signals"]})

        async def take_in():
            async for frame in ws:
                frames.append(json.loads(frame.data))

        taking_in = asyncio.create_task(take_in())
        await wait_until(lambda: any(f["type"] == "subscribed" for f in frames))
        await in_thread(publish_many, 40)
        await asyncio.wait_for(taking_in, timeout=30)

    signals_sent = [f for f in frames if f["type"] == "signal.published"]
    assert ws.close_code == CLOSE_TOO_SLOW, " ".join(f["type"] for f in frames)
    assert frames[-1]["type"] == "error" and "does not read fast enough" in frames[-1]["data"]["message"]
    assert len(signals_sent) <= 8


def _seqs(path: Path) -> list[int]:
    return [json.loads(line)["seq"] for line in path.read_text().splitlines() if line.endswith("}")]


def _feed_command(key: str, url: str, state: Path, out: Path, *options: str) -> subprocess.Popen:
    with out.open("a") as stdout:  # the child has its own descriptor: what it wrote survives its kill
        return subprocess.Popen(
            [sys.executable, "manage.py", "feed", "--key", key, "--url", url, "--state-file", str(state), *options],
            cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            stdout=stdout, stderr=subprocess.DEVNULL)


async def test_the_feed_command_killed_mid_stream_and_restarted_with_its_state_file_misses_nothing(
        premium, daphne, tmp_path):
    """The done-when of `make run`: kill -9 the command while signals stream in, publish more while it is
    dead, start it again with the same state file: every signal once, in order. The state file is written
    just after each line, so a kill that lands between the two prints that one signal again (its seq says
    so): the test allows only that."""
    _, key = premium
    server = daphne()
    await in_thread(publish_many, 2)  # before the first start, which replays them
    state, out = tmp_path / "feed.state", tmp_path / "feed.jsonl"
    command = _feed_command(key, server.url, state, out, "--after", "0")
    publishing = None
    try:
        await wait_until(lambda: len(_seqs(out)) == 2, timeout=30)  # connected and resumed
        publishing = asyncio.ensure_future(in_thread(publish_many, 30, 0.1))
        await wait_until(lambda: len(_seqs(out)) >= 8, timeout=30)
        command.kill()  # SIGKILL, mid-stream
        command.wait(timeout=30)
        killed_at = len(_seqs(out))
        await asyncio.sleep(1)  # published while it is dead
        command = _feed_command(key, server.url, state, out)
        await publishing
        expected = await database_sync_to_async(lambda: list(
            SignalPublication.objects.filter(tier="premium").order_by("id").values_list("id", flat=True)))()
        await wait_until(lambda: _seqs(out)[-1:] == expected[-1:], timeout=30)
    finally:
        if publishing is not None:
            await asyncio.gather(publishing, return_exceptions=True)
        command.kill()
        command.wait(timeout=30)

    printed = _seqs(out)
    assert killed_at < 30 < len(expected)  # killed while the burst went on
    again = [seq for position, seq in enumerate(printed) if position and seq <= printed[position - 1]]
    assert again in ([], [printed[killed_at - 1]]), again  # at most the one in flight when killed, printed twice
    assert list(dict.fromkeys(printed)) == expected  # none missed, in order
    assert json.loads(state.read_text()) == {"after": expected[-1]}
