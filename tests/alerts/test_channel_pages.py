"""The website's Alert channels and Notifications pages: a member manages their own destinations,
sees a webhook endpoint's delivery log, sends a test, redelivers, links Telegram, reads notifications."""

import re

from django.utils import timezone

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.models import Channel, Delivery, DeliveryStatus, Destination, MemberAlertSettings, Notification
from tests.alerts.conftest import alert_event, destination, subscribe


def test_the_channels_page_offers_what_the_plan_includes(alice_client, tenant_a):
    page = alice_client.get("/alerts/channels/").content.decode()

    assert "alice@example.com" in page
    assert "Your plan does not include webhooks" in page and "Your plan does not include Telegram" in page
    assert 'action="/alerts/channels/webhooks/"' not in page


def test_on_a_plan_with_every_channel_each_section_has_its_form(alice_client, premium_a, vapid):
    page = alice_client.get("/alerts/channels/").content.decode()

    for action in ("/alerts/channels/webhooks/", "/alerts/channels/discord/", "/alerts/channels/telegram/code/"):
        assert f'action="{action}"' in page
    assert f'data-key="{vapid.VAPID_PUBLIC_KEY}"' in page and "js/alerts-push.js" in page


def test_a_member_adds_a_webhook_endpoint_from_the_page(alice_client, premium_a, alice):
    response = alice_client.post("/alerts/channels/webhooks/", {"url": "https://hooks.example.com/b", "label": "prod"},
                                 follow=True)

    endpoint = Destination.objects.get()
    assert (endpoint.member, endpoint.label) == (alice, "prod")
    assert "Webhook endpoint added" in response.content.decode()


def test_a_refused_url_is_explained_on_the_page_and_nothing_added(alice_client, premium_a):
    response = alice_client.post("/alerts/channels/webhooks/", {"url": "https://localhost/hook"}, follow=True)

    assert "private, loopback or link-local" in response.content.decode()
    assert not Destination.objects.exists()


def test_the_endpoint_page_shows_its_secret_and_delivery_log_and_redelivers(alice_client, premium_a, alice, receiver,
                                                                             local_receivers_allowed):
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    receiver.replies.append((404, {}, b"no route here"))
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))
    delivery_attempt(delivery_id=delivery.pk, now=timezone.now())

    response = alice_client.get(f"/alerts/channels/{endpoint.pk}/")
    page = response.content.decode()
    assert endpoint.secret in page and response["Cache-Control"] == "no-store"
    assert "EURUSD short on H1" in page and "HTTP 404" in page and "no route here" in page

    alice_client.post(f"/alerts/deliveries/{delivery.pk}/redeliver/")
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.QUEUED

    alice_client.post(f"/alerts/channels/{endpoint.pk}/test/")
    assert Delivery.objects.filter(destination=endpoint, is_test=True).count() == 1

    old_secret = endpoint.secret
    alice_client.post(f"/alerts/channels/{endpoint.pk}/rotate-secret/")
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret.startswith("whsec_")


def test_the_telegram_code_is_shown_once(alice_client, premium_a, telegram_bot):
    alice_client.post("/alerts/channels/telegram/code/")

    first = alice_client.get("/alerts/channels/").content.decode()
    second = alice_client.get("/alerts/channels/").content.decode()

    code = re.search(r"/start ([A-Z2-9]{8})", first)[1]
    assert f"https://t.me/BeaconAlertsBot?start={code}" in first
    assert code not in second


def test_the_email_digest_is_chosen_on_the_page(alice_client, tenant_a, alice):
    alice_client.post("/alerts/channels/email/", {"email_digest_minutes": "60"})
    refused = alice_client.post("/alerts/channels/email/", {"email_digest_minutes": "7"}, follow=True)

    assert MemberAlertSettings.objects.get(member=alice).email_digest_minutes == 60
    assert "Must be one of" in refused.content.decode()


def test_notifications_show_unread_first_and_are_marked_read(alice_client, tenant_a, alice):
    older = Notification.objects.create(tenant=tenant_a, member=alice, title="GOOG long on D1")
    Notification.objects.create(tenant=tenant_a, member=alice, title="EURUSD short on H1")

    page = alice_client.get("/alerts/notifications/").content.decode()
    assert UNREAD.format(2) in page and page.index("EURUSD short on H1") < page.index("GOOG long on D1")

    alice_client.post(f"/alerts/notifications/{older.pk}/read/")
    assert UNREAD.format(1) in alice_client.get("/alerts/notifications/").content.decode()
    alice_client.post("/alerts/notifications/read-all/")
    assert Notification.objects.filter(read_at=None).count() == 0


UNREAD = "(<span data-unread-count>{}</span> unread)"


def test_the_notifications_page_follows_the_members_alerts_live_when_the_plan_has_the_feed(alice_client, tenant_a):
    subscribe(tenant_a, "pro")
    page = alice_client.get("/alerts/notifications/").content.decode()

    assert 'data-streams="alerts"' in page and "js/alerts-live.js" in page and "<script>" not in page
    assert 'action="/alerts/notifications/0/read/" data-id-in-action' in page  # the new rows' form
    assert "hidden data-unread-shown" in page and UNREAD.format(0) in page  # the count is there, hidden


def test_the_alerts_page_adds_new_alerts_live(alice_client, tenant_a):
    subscribe(tenant_a, "pro")
    page = alice_client.get("/app/alerts/").content.decode()

    assert 'data-streams="alerts"' in page and '<template id="live-row">' in page
    assert "<tbody data-live-notifications>" in page


def test_the_pages_need_a_signed_in_member(client, db):
    for url in ("/alerts/channels/", "/alerts/notifications/"):
        assert client.get(url).status_code == 302
