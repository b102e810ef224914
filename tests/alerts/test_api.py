"""The public API of alert deliveries under /api/v1/: a member's webhook endpoints (delivery log, test,
redeliver, enable) and notifications (read, read all, unread count), through a key of the member or
the website's session."""

import pytest
from django.utils import timezone

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.models import Channel, Delivery, DeliveryStatus, Destination, Notification
from tests.alerts.conftest import alert_event, destination, key_headers, subscribe

ENDPOINTS = "/api/v1/webhook-endpoints/"
NOTIFICATIONS = "/api/v1/notifications/"


@pytest.fixture
def alice_key(premium_a, alice):
    return key_headers(premium_a, alice)


def test_a_member_adds_an_endpoint_and_gets_its_signing_secret_once_created(client, alice_key, alice):
    response = client.post(ENDPOINTS, {"url": "https://hooks.example.com/beacon", "label": "prod"},
                           content_type="application/json", headers=alice_key)

    assert response.status_code == 201
    body = response.json()
    endpoint = Destination.objects.get()
    assert (endpoint.member, endpoint.channel, endpoint.url) == (alice, Channel.WEBHOOK, "https://hooks.example.com/beacon")
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_") and body["is_enabled"]


def test_an_endpoint_on_a_private_address_is_a_400_naming_the_url(client, alice_key):
    response = client.post(ENDPOINTS, {"url": "https://169.254.169.254/latest"}, content_type="application/json",
                           headers=alice_key)

    assert response.status_code == 400 and "url" in response.json()["error"]["fields"]
    assert not Destination.objects.exists()


def test_a_plan_without_webhooks_is_a_403_and_nothing_is_written(client, tenant_a, alice):
    subscribe(tenant_a, "pro")

    response = client.post(ENDPOINTS, {"url": "https://hooks.example.com/beacon"}, content_type="application/json",
                           headers=key_headers(tenant_a, alice))

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_entitled"
    assert not Destination.objects.exists()


def test_a_read_only_key_lists_but_cannot_add(client, premium_a, alice):
    headers = key_headers(premium_a, alice, scope="read")

    assert client.get(ENDPOINTS, headers=headers).status_code == 200
    assert client.post(ENDPOINTS, {"url": "https://hooks.example.com/x"}, content_type="application/json",
                       headers=headers).status_code == 403
    assert not Destination.objects.exists()


def test_a_key_no_member_created_has_no_member_channels(client, premium_a):
    response = client.get(ENDPOINTS, headers=key_headers(premium_a, None))

    assert response.status_code == 403 and "member" in response.json()["error"]["message"]


def test_an_endpoint_is_changed_and_removed(client, alice_key, premium_a, alice):
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK)

    changed = client.patch(f"{ENDPOINTS}{endpoint.pk}/", {"label": "staging"}, content_type="application/json",
                           headers=alice_key)
    assert changed.status_code == 200 and changed.json()["label"] == "staging"
    assert changed.json()["url"] == "https://hooks.example.com/beacon"
    assert client.delete(f"{ENDPOINTS}{endpoint.pk}/", headers=alice_key).status_code == 204
    assert not Destination.objects.exists()


def test_the_delivery_log_send_test_and_redeliver(client, alice_key, premium_a, alice, receiver,
                                                  local_receivers_allowed):
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    receiver.replies.append((500, {}, b"boom"))
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))
    delivery_attempt(delivery_id=delivery.pk, now=timezone.now())

    log = client.get(f"{ENDPOINTS}{endpoint.pk}/deliveries/", headers=alice_key).json()["results"]
    assert [(d["id"], d["status"], d["attempts_log"][0]["response_status"]) for d in log] == [
        (delivery.pk, "retrying", 500)]
    assert log[0]["attempts_log"][0]["response"] == "boom"

    tested = client.post(f"{ENDPOINTS}{endpoint.pk}/test/", headers=alice_key)
    assert tested.status_code == 202 and tested.json()["is_test"] and tested.json()["status"] == "queued"

    again = client.post(f"{ENDPOINTS}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/", headers=alice_key)
    assert again.status_code == 202 and again.json()["status"] == "queued"
    assert Delivery.objects.get(pk=delivery.pk).first_attempt_at is None  # a fresh retry window


def test_a_turned_off_endpoint_is_turned_back_on(client, alice_key, premium_a, alice):
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, disabled_at=timezone.now(),
                           disabled_reason="Every delivery failed for 24 hours.")

    response = client.post(f"{ENDPOINTS}{endpoint.pk}/enable/", headers=alice_key)

    assert response.status_code == 200 and response.json()["is_enabled"]
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/test/", headers=alice_key).status_code == 202


def test_a_delivery_being_sent_is_not_redelivered(client, alice_key, premium_a, alice):
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK)
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING)

    response = client.post(f"{ENDPOINTS}{endpoint.pk}/deliveries/{delivery.pk}/redeliver/", headers=alice_key)

    assert response.status_code == 400 and Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING


def test_notifications_are_listed_newest_first_and_marked_read(client, alice_key, premium_a, alice):
    for title in ("first", "second", "third"):
        Notification.objects.create(tenant=premium_a, member=alice, title=title)
    newest = Notification.objects.get(title="third")

    listed = client.get(NOTIFICATIONS, headers=alice_key).json()["results"]
    assert [n["title"] for n in listed] == ["third", "second", "first"]
    assert client.get(f"{NOTIFICATIONS}unread-count/", headers=alice_key).json() == {"unread": 3}

    read = client.post(f"{NOTIFICATIONS}{newest.pk}/read/", headers=alice_key)
    assert read.status_code == 200 and read.json()["is_read"]
    unread = client.get(f"{NOTIFICATIONS}?unread=true", headers=alice_key).json()["results"]
    assert [n["title"] for n in unread] == ["second", "first"]

    assert client.post(f"{NOTIFICATIONS}read-all/", headers=alice_key).json() == {"marked": 2}
    assert client.get(f"{NOTIFICATIONS}unread-count/", headers=alice_key).json() == {"unread": 0}


def test_the_website_session_reads_the_signed_in_members_notifications(alice_client, tenant_a, alice, bob):
    Notification.objects.create(tenant=tenant_a, member=alice, title="for alice")
    Notification.objects.create(tenant=tenant_a, member=bob, title="for bob")

    listed = alice_client.get(NOTIFICATIONS).json()["results"]

    assert [n["title"] for n in listed] == ["for alice"]


def test_the_schema_lists_the_alert_routes(client, db):
    paths = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()["paths"]

    assert {"/api/v1/webhook-endpoints/", "/api/v1/webhook-endpoints/{id}/deliveries/",
            "/api/v1/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver/",
            "/api/v1/notifications/unread-count/", "/api/v1/notifications/{id}/read/"} <= set(paths)
