"""Tenant isolation of the live feed, generated from its stream registry (signals.feed_streams.STREAMS).

Each stream is declared below as a tier's (the same for every tenant on a plan: signals, engine
status) or a tenant's (alerts, notifications, later portfolios and backtests). For every tenant
stream, a message sent to tenant A's key reaches A's socket and never tenant B's; a stream the walk
does not know fails it until it is declared.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from config.channel_sender import group_send_many
from signals.feed_streams import STREAMS
from signals.feed_subscribers import feed_subscriber_for_key
from tests.signals.feed.conftest import (  # noqa: F401 (fixtures of the feed tests, used here too)
    feed_client,
    feed_world,
    fresh_hub,
    next_message,
    nothing_arrives,
    subscribe,
    tenant_with_key,
)

# "shared": the same for every subscriber of a plan (or of every plan); "tenant": one tenant's own.
STREAM_SCOPES = {"signals": "shared", "engine": "shared", "market": "shared", "alerts": "tenant",
                 "portfolios": "tenant", "backtests": "tenant"}
TENANT_STREAMS = sorted(name for name, scope in STREAM_SCOPES.items() if scope == "tenant")


def test_every_stream_is_declared_shared_or_a_tenants():
    assert sorted(STREAMS) == sorted(STREAM_SCOPES), "declare each feed stream as 'shared' or 'tenant' here"


@pytest.mark.parametrize("name", TENANT_STREAMS)
async def test_a_tenant_streams_message_reaches_its_tenant_and_never_another(name):
    stream = STREAMS[name]
    alpha_key, bravo_key = [(await database_sync_to_async(tenant_with_key)(plan="premium", name=tenant))[1]
                            for tenant in ("Alpha", "Bravo")]
    alpha_keys = stream.keys(await database_sync_to_async(feed_subscriber_for_key)(plaintext=alpha_key))
    bravo_keys = stream.keys(await database_sync_to_async(feed_subscriber_for_key)(plaintext=bravo_key))
    assert not set(alpha_keys) & set(bravo_keys)
    alpha_client, bravo_client = await feed_client(alpha_key), await feed_client(bravo_key)
    await subscribe(alpha_client, [name])
    await subscribe(bravo_client, [name])

    message = {"type": f"{name.rstrip('s')}.walk", "seq": None, "data": {"secret": "ALPHA-SECRET"}}
    await database_sync_to_async(group_send_many)([(stream.group(key), message) for key in alpha_keys])

    assert (await next_message(alpha_client))["data"] == {"secret": "ALPHA-SECRET"}
    assert await nothing_arrives(bravo_client)
    await alpha_client.disconnect()
    await bravo_client.disconnect()
