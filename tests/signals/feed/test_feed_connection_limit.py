"""Connections per tenant are limited by the plan, counted across every web process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from channels.db import database_sync_to_async

from signals.feed_protocol import CLOSE_TOO_MANY_CONNECTIONS
from signals.feed_slots import connection_slot_claim, connection_slot_release
from tests.signals.feed.conftest import close_of, feed_client

ROOT = Path(__file__).resolve().parents[3]


async def test_the_connection_after_the_plans_limit_is_refused_until_one_closes(free):
    _, key = free  # Free allows one
    first = await feed_client(key)
    second = await feed_client()
    await second.send_json_to({"action": "auth", "key": key})

    refused = await close_of(second)
    await first.disconnect()
    third = await feed_client(key)

    assert refused == (CLOSE_TOO_MANY_CONNECTIONS, "Your Free plan allows 1 live feed connection at once and all "
                                                   "are open. Close one, or upgrade for more.")
    await third.disconnect()


async def test_a_refused_or_closed_connection_holds_no_slot(premium):
    tenant, key = premium
    client = await feed_client(key)
    await client.disconnect()

    slots = await database_sync_to_async(lambda: [
        connection_slot_claim(tenant_id=tenant.pk, limit=20, connection_id=f"probe-{i}") for i in range(21)])()

    assert sum(slot is not None for slot in slots) == 20  # all twenty free again, and no more


async def test_a_connection_the_server_cancelled_leaves_the_hub_and_frees_its_slot(free):
    # daphne cancels an application instance still running application_close_timeout after its client left.
    from signals.feed_hub import feed_hub

    _, key = free  # Free allows one
    client = await feed_client(key)
    assert len(feed_hub().connected) == 1

    client.future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await client.future
    again = await feed_client(key)

    assert len(feed_hub().connected) == 1  # the new one only
    await again.disconnect()


def _claim_in_another_process(tenant_id: int, *, ttl: int) -> None:
    """A slot claimed by another web process: a separate interpreter on the same Redis."""
    code = ("import django; django.setup(); from signals.feed_slots import connection_slot_claim; "
            f"assert connection_slot_claim(tenant_id={tenant_id}, limit=1, connection_id='elsewhere', ttl={ttl})")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)


@pytest.mark.redis
async def test_a_connection_open_in_another_web_process_counts(free):
    tenant, key = free
    await database_sync_to_async(_claim_in_another_process)(tenant.pk, ttl=60)
    client = await feed_client()

    await client.send_json_to({"action": "auth", "key": key})

    assert (await close_of(client))[0] == CLOSE_TOO_MANY_CONNECTIONS


@pytest.mark.redis
def test_the_slots_of_a_process_that_died_free_themselves(free):
    tenant, _ = free
    # The other process exits without releasing, as a crashed one would. Its claim lives 4 s: long enough
    # to outlast that interpreter's exit on a loaded host, which took up to 1.7 s here.
    _claim_in_another_process(tenant.pk, ttl=4)
    refused_at_once = connection_slot_claim(tenant_id=tenant.pk, limit=1, connection_id="here")

    later, deadline = None, time.monotonic() + 10
    while later is None and time.monotonic() < deadline:
        time.sleep(0.25)
        later = connection_slot_claim(tenant_id=tenant.pk, limit=1, connection_id="here")

    assert refused_at_once is None and later is not None
    connection_slot_release(slot=later)


async def test_an_auth_message_that_crosses_the_auth_deadline_holds_no_slot(free, monkeypatch):
    from signals import feed_connection

    tenant, key = free
    monkeypatch.setattr(feed_connection, "AUTH_TIMEOUT_SECONDS", 0.05)
    late = await feed_client()
    await asyncio.sleep(0.3)  # closed by now

    await late.send_json_to({"action": "auth", "key": key})
    await asyncio.sleep(0.3)
    slot = await database_sync_to_async(connection_slot_claim)(tenant_id=tenant.pk, limit=1, connection_id="probe")

    assert slot is not None  # Free's one connection is still free
