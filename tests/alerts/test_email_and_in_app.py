"""Email: a readable message (text and HTML, with the signal's levels) through Django's email backend,
retried when the mail server cannot be reached. In-app: a notification in the member's list, once."""

import asyncio
import socket

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail

from alerts.channels.in_app import notification_feed_data
from alerts.deliveries import deliveries_create_for_event, delivery_attempt, delivery_redeliver
from alerts.models import DeliveryStatus, Notification
from alerts.selectors import notification_unread_count
from signals.feed_sending import tenant_group_name
from tests.alerts.conftest import alert_event, subscribe


def test_an_email_alert_has_a_text_and_an_html_part_with_the_signals_levels(tenant_a, alice):
    subscribe(tenant_a, "pro")  # a plan that shows the confidence
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["email"]))

    sent = delivery_attempt(delivery_id=delivery.pk)

    assert sent.status == DeliveryStatus.SENT
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and email.subject == "EURUSD short on H1"
    assert "Entry: 1.08420" in email.body and "Stop loss: 1.08710" in email.body and "Target 2: 1.07840" in email.body
    assert "Confidence: 71%" in email.body and "/alerts/notifications/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "<h1" in html and "1.08710" in html
    assert sent.log.get().request.startswith("To: alice@example.com\nSubject: EURUSD short on H1")


def test_a_free_tenants_alert_does_not_tell_the_confidence_its_plan_hides(tenant_a, alice):
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["email"]))

    delivery_attempt(delivery_id=delivery.pk)

    [email] = mail.outbox
    assert "Entry: 1.08420" in email.body and "Confidence" not in email.body
    assert "71%" not in email.alternatives[0][0]


def test_html_in_an_alert_is_escaped_in_the_html_part(tenant_a, alice):
    event = alert_event(tenant=tenant_a, member=alice, channels=["email"], title="<script>x</script> alert")
    [delivery] = deliveries_create_for_event(event=event)

    delivery_attempt(delivery_id=delivery.pk)

    assert "<script>" not in mail.outbox[0].alternatives[0][0]


def test_an_unreachable_mail_server_is_retried(tenant_a, alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", unused.getsockname()[1]  # nothing listens
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["email"]))

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.RETRYING and "could not be reached" in failed.last_error


def test_an_in_app_alert_is_one_unread_notification_of_the_member_even_when_redelivered(tenant_a, alice, bob):
    event = alert_event(tenant=tenant_a, member=alice, channels=["in_app"])
    [delivery] = deliveries_create_for_event(event=event)

    delivery_attempt(delivery_id=delivery.pk)
    delivery_redeliver(delivery=delivery)
    delivery_attempt(delivery_id=delivery.pk)

    notification = Notification.objects.get()
    assert (notification.member, notification.event, notification.title) == (alice, event, "EURUSD short on H1")
    assert notification_unread_count(tenant=tenant_a, member=alice) == 1
    assert notification_unread_count(tenant=tenant_a, member=bob) == 0


def test_the_live_feed_message_of_a_notification_says_what_the_list_shows(tenant_a, alice):
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["in_app"]))
    delivery_attempt(delivery_id=delivery.pk)
    notification = Notification.objects.get()

    data = notification_feed_data(notification)

    assert data["id"] == notification.pk and data["member_id"] == alice.pk and data["title"] == notification.title
    assert data["created_at"] == notification.created_at.isoformat()


def test_an_in_app_alert_reaches_the_tenants_live_feed_after_the_commit(
        tenant_a, alice, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tenant_group_name(tenant_a.pk), channel)
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["in_app"]))

    with django_capture_on_commit_callbacks(execute=True):
        delivery_attempt(delivery_id=delivery.pk)

    notification = Notification.objects.get(delivery=delivery)
    message = async_to_sync(asyncio.wait_for)(layer.receive(channel), timeout=5)
    assert message["type"] == "notification.created" and message["seq"] == notification.pk
    assert message["data"] == notification_feed_data(notification, alert="EURUSD signals")  # the rule's name
    assert message["data"]["member_id"] == alice.pk
