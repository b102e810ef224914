"""An open socket loses what its subscriber lost: a revoked key, a member who left, a changed plan."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Membership
from billing.models import Subscription, SubscriptionStatus
from signals import feed_hub
from signals.feed_protocol import CLOSE_NOT_ENTITLED, CLOSE_PLAN_CHANGED, CLOSE_UNAUTHENTICATED
from tests.signals.feed.conftest import close_of, feed_client, nothing_arrives, subscribe


async def test_a_socket_whose_key_is_revoked_is_closed(premium, monkeypatch):
    monkeypatch.setattr(feed_hub, "RIGHTS_CHECK_SECONDS", 0.2)
    tenant, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])

    await database_sync_to_async(lambda: ApiKey.objects.filter(tenant=tenant).update(revoked_at=timezone.now()))()

    assert await close_of(client) == (CLOSE_UNAUTHENTICATED, "This API key was revoked.")


async def test_a_socket_of_a_tenant_whose_plan_changed_is_closed_to_reconnect_on_the_new_one(premium, monkeypatch):
    monkeypatch.setattr(feed_hub, "RIGHTS_CHECK_SECONDS", 0.2)
    tenant, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])

    await database_sync_to_async(lambda: Subscription.objects.filter(tenant=tenant).update(
        status=SubscriptionStatus.CANCELED))()

    assert await close_of(client) == (CLOSE_PLAN_CHANGED, "Your organisation's plan changed (now Free): reconnect "
                                                          "to get its feed.")


async def test_a_session_socket_of_a_member_who_left_is_closed(alice, bob, tenant_a, monkeypatch):
    monkeypatch.setattr(feed_hub, "RIGHTS_CHECK_SECONDS", 0.2)
    browser = Client()
    await database_sync_to_async(browser.force_login)(bob)
    client = await feed_client(headers=[(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())])
    assert (await client.receive_json_from())["type"] == "auth.ok"

    await database_sync_to_async(lambda: Membership.objects.filter(user=bob).delete())()

    assert await close_of(client) == (CLOSE_NOT_ENTITLED, "You are no longer a member of this organisation.")


async def test_a_socket_that_keeps_its_rights_stays_open(premium, monkeypatch):
    monkeypatch.setattr(feed_hub, "RIGHTS_CHECK_SECONDS", 0.1)
    _, key = premium
    client = await feed_client(key)

    assert await nothing_arrives(client, within=0.6)  # several checks
    await client.disconnect()
