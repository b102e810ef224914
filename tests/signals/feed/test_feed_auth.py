"""Who may open the feed: an API key in the first message or the website session; nothing else."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import Client

from accounts.models import ApiKey
from billing.models import Plan
from signals import feed_connection
from signals.feed_protocol import CLOSE_NOT_ENTITLED, CLOSE_TOO_LATE, CLOSE_UNAUTHENTICATED
from tests.signals.feed.conftest import close_of, feed_client, next_message


async def test_an_api_key_in_the_first_message_authenticates_the_tenant_on_its_plan(premium):
    tenant, key = premium
    client = await feed_client()

    await client.send_json_to({"action": "auth", "key": key})
    answer = await client.receive_json_from()

    assert answer["type"] == "auth.ok" and answer["seq"] is None
    assert answer["data"]["tenant_id"] == tenant.pk
    assert answer["data"]["plan"] == "premium" and answer["data"]["via"] == "api_key"
    assert set(answer["data"]["streams"]) >= {"signals", "alerts", "engine"}
    await client.disconnect()


async def test_an_api_key_client_is_served_while_the_processs_shared_sync_thread_is_busy(premium):
    # database_sync_to_async runs on one thread per process; a hundred reconnects a second queued there.
    _, key = premium
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait, thread_sensitive=True)())
    try:
        await asyncio.sleep(0.05)  # the shared thread now waits for `release`
        client = await feed_client()
        await client.send_json_to({"action": "auth", "key": key})
        answer = await client.receive_json_from(timeout=5)
        assert answer["type"] == "auth.ok"
        await client.disconnect()
    finally:
        release.set()
        await busy


async def test_the_website_session_authenticates_without_a_message(alice, tenant_a):
    browser = Client()
    await database_sync_to_async(browser.force_login)(alice)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    client = await feed_client(headers=[(b"cookie", cookie), (b"origin", b"http://testserver")])

    answer = await client.receive_json_from()

    assert answer["type"] == "auth.ok"
    assert answer["data"]["tenant_id"] == tenant_a.pk and answer["data"]["via"] == "session"
    assert answer["data"]["plan"] == "free"
    await client.disconnect()


async def test_a_page_of_another_site_cannot_open_the_feed_with_the_session(alice, monkeypatch):
    from channels.layers import get_channel_layer
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    layer, channels_made = get_channel_layer(), []
    new_channel = layer.new_channel
    monkeypatch.setattr(layer, "new_channel", lambda *a, **kw: channels_made.append(1) or new_channel(*a, **kw))
    client = WebsocketCommunicator(application, "/ws/v1/feed/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await client.connect()
    await client.disconnect()

    assert not connected
    # The refusal takes no channel of the layer: Channels' own denier blocks on a read of one (a Redis
    # connection per refusal, and a cancellation that redis-py on Python 3.11 can lose).
    assert channels_made == []


async def test_a_first_message_that_is_not_auth_closes_the_socket(premium):
    client = await feed_client()

    await client.send_json_to({"action": "subscribe", "streams": ["signals"]})

    code, reason = await close_of(client)
    assert code == CLOSE_UNAUTHENTICATED and "Authenticate first" in reason


async def test_an_auth_message_without_a_key_closes_the_socket(premium):
    client = await feed_client()

    await client.send_json_to({"action": "auth"})

    code, reason = await close_of(client)
    assert code == CLOSE_UNAUTHENTICATED and '"key"' in reason


async def test_an_unknown_key_is_refused(premium):
    client = await feed_client()

    await client.send_json_to({"action": "auth", "key": "bk_00000000.not-a-key"})

    assert await close_of(client) == (CLOSE_UNAUTHENTICATED, "Invalid or revoked API key.")


async def test_a_revoked_key_is_refused(premium):
    tenant, key = premium
    await database_sync_to_async(lambda: ApiKey.objects.filter(tenant=tenant).update(revoked_at="2024-01-01T00:00Z"))()
    client = await feed_client()

    await client.send_json_to({"action": "auth", "key": key})

    assert await close_of(client) == (CLOSE_UNAUTHENTICATED, "Invalid or revoked API key.")


@pytest.mark.parametrize("query", ["key={key}", "token={key}", "k={key}", "api_key=anything"])
async def test_a_key_in_the_url_is_refused_even_when_valid(premium, query):
    _, key = premium
    client = await feed_client(path="/ws/v1/feed/?" + query.format(key=key))

    code, reason = await close_of(client)

    assert code == CLOSE_UNAUTHENTICATED and "never accepted in the URL" in reason


async def test_a_socket_that_does_not_authenticate_in_time_is_closed(premium, monkeypatch):
    monkeypatch.setattr(feed_connection, "AUTH_TIMEOUT_SECONDS", 0.2)
    client = await feed_client()

    code, reason = await close_of(client, timeout=2)

    assert code == CLOSE_TOO_LATE and "Not authenticated within 0.2 s" in reason


async def test_a_plan_without_live_feed_connections_is_refused(premium):
    _, key = premium
    await database_sync_to_async(lambda: Plan.objects.filter(code="premium").update(websocket_connections=0))()
    client = await feed_client()

    await client.send_json_to({"action": "auth", "key": key})

    code, reason = await close_of(client)
    assert code == CLOSE_NOT_ENTITLED and reason == "Your Premium plan does not include the live feed."


async def test_after_authentication_a_bad_action_is_answered_and_the_socket_stays_open(premium):
    _, key = premium
    client = await feed_client(key)

    await client.send_to(text_data="not json")
    first = await next_message(client)  # a heartbeat may come first: its first one falls anywhere in its window
    await client.send_json_to({"action": "subscribe", "streams": ["nope"]})
    second = await next_message(client)
    await client.send_json_to({"action": "auth", "key": key})
    third = await next_message(client)

    assert first["type"] == second["type"] == third["type"] == "error"
    assert first["data"] == {"code": 4400, "message": "The message is not JSON."}
    assert "Unknown stream 'nope'" in second["data"]["message"]
    assert third["data"]["message"] == "Already authenticated."
    await client.disconnect()

