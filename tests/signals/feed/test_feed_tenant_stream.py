"""The tenant's alerts and notifications stream: only that tenant's sockets receive its messages."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from signals.feed_sending import feed_tenant_send
from tests.signals.feed.conftest import feed_client, next_message, nothing_arrives, subscribe, tenant_with_key


def send(tenant_id: int, message_type: str, data: dict, *, seq=None) -> None:
    feed_tenant_send(tenant_id=tenant_id, message_type=message_type, data=data, seq=seq)


async def test_a_tenants_message_reaches_its_sockets_and_never_another_tenants(feed_world):
    alpha, alpha_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Alpha")
    bravo, bravo_key = await database_sync_to_async(tenant_with_key)(plan="pro", name="Bravo")
    alpha_client, bravo_client = await feed_client(alpha_key), await feed_client(bravo_key)
    await subscribe(alpha_client, ["alerts"])
    await subscribe(bravo_client, ["alerts"])

    await database_sync_to_async(send)(alpha.pk, "alert.triggered", {"rule": 7, "symbol": "EURUSD"}, seq=12)
    await database_sync_to_async(send)(bravo.pk, "notification.billing", {"text": "Trial ends in 3 days"})
    alpha_message, bravo_message = await next_message(alpha_client), await next_message(bravo_client)

    assert alpha_message == {"type": "alert.triggered", "seq": 12, "data": {"rule": 7, "symbol": "EURUSD"}}
    assert bravo_message == {"type": "notification.billing", "seq": None, "data": {"text": "Trial ends in 3 days"}}
    assert await nothing_arrives(alpha_client) and await nothing_arrives(bravo_client)
    await alpha_client.disconnect()
    await bravo_client.disconnect()


async def test_a_message_of_a_rolled_back_transaction_is_never_sent(premium):
    tenant, key = premium
    client = await feed_client(key)
    await subscribe(client, ["alerts"])

    def send_then_fail():
        with transaction.atomic():
            send(tenant.pk, "alert.triggered", {"rule": 1})
            raise RuntimeError("the alert was not stored")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(send_then_fail)()

    assert await nothing_arrives(client)
    await client.disconnect()


async def test_a_client_not_subscribed_to_alerts_gets_none(premium):
    tenant, key = premium
    client = await feed_client(key)
    await subscribe(client, ["signals"])

    await database_sync_to_async(send)(tenant.pk, "alert.triggered", {"rule": 1})

    assert await nothing_arrives(client)
    await client.disconnect()


def test_a_tenant_message_type_must_say_alert_or_notification(feed_world):
    with pytest.raises(ValueError, match=r"alert\.<what> or notification\.<what>"):
        feed_tenant_send(tenant_id=1, message_type="signal.published", data={})


async def test_a_members_notification_reaches_that_members_sockets_and_the_keys_they_created(alice, bob, tenant_a):
    from django.test import Client

    from accounts.services import api_key_create
    from billing.models import Plan, Subscription, SubscriptionStatus

    def setup():
        Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="premium"),
                                    status=SubscriptionStatus.ACTIVE)
        return api_key_create(tenant=tenant_a, name="alice's", scope="read", created_by=alice)[1]

    alices_key = await database_sync_to_async(setup)()
    browser = Client()
    await database_sync_to_async(browser.force_login)(bob)
    bobs_session = await feed_client(headers=[(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())])
    assert (await bobs_session.receive_json_from())["type"] == "auth.ok"
    alices_program = await feed_client(alices_key)
    await subscribe(bobs_session, ["alerts"])
    await subscribe(alices_program, ["alerts"])

    await database_sync_to_async(send)(tenant_a.pk, "notification.created", {"id": 1, "member_id": alice.pk})
    await database_sync_to_async(send)(tenant_a.pk, "notification.created", {"id": 2, "member_id": bob.pk})
    await database_sync_to_async(send)(tenant_a.pk, "alert.maintenance", {"text": "for everyone"})

    alice_got = [await next_message(alices_program), await next_message(alices_program)]
    bob_got = [await next_message(bobs_session), await next_message(bobs_session)]
    assert [m["data"].get("id") for m in alice_got] == [1, None]
    assert [m["data"].get("id") for m in bob_got] == [2, None]
    assert await nothing_arrives(alices_program) and await nothing_arrives(bobs_session)
    await alices_program.disconnect()
    await bobs_session.disconnect()
