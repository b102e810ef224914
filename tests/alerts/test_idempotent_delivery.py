"""Nothing lost, nothing doubled (DESIGN.md principle 6): one delivery per (event, channel, target),
a task that runs twice sends once, and a worker killed mid-send leaves a claim that expires, so the
delivery goes out again with the same idempotency key for the receiver to drop if the first arrived."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.channels.webhook import WebhookChannel
from alerts.deliveries import (
    CLAIM_LEASE,
    deliveries_create_for_event,
    deliveries_due_queue,
    delivery_attempt,
    delivery_claim,
    delivery_message,
)
from alerts.models import Channel, Delivery, DeliveryStatus
from alerts.tasks import delivery_send
from tests.alerts.conftest import alert_event, destination


@pytest.fixture
def webhook_delivery(premium_a, alice, receiver, local_receivers_allowed) -> Delivery:
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))
    return delivery


def test_running_the_task_twice_sends_once(webhook_delivery, receiver):
    delivery_send(delivery_id=webhook_delivery.pk)
    delivery_send(delivery_id=webhook_delivery.pk)

    delivery = Delivery.objects.get(pk=webhook_delivery.pk)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.log.count() == 1
    assert len(receiver.received) == 1


def test_the_task_is_acknowledged_late_and_routed_to_the_alerts_queue():
    assert delivery_send.acks_late is True
    assert delivery_send.name == "alerts.tasks.delivery_send"


def test_of_two_workers_claiming_at_once_one_gets_the_delivery(webhook_delivery):
    now = timezone.now()

    assert [delivery_claim(delivery_id=webhook_delivery.pk, now=now) for _ in range(2)] == [True, False]


def test_creating_the_deliveries_of_an_event_twice_creates_them_once(premium_a, alice):
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK)
    event = alert_event(tenant=premium_a, member=alice, channels=["in_app", "email", "webhook", "email"])

    first = deliveries_create_for_event(event=event)
    second = deliveries_create_for_event(event=event)

    assert [d.pk for d in first] == [d.pk for d in second]
    assert sorted(d.channel for d in first) == ["email", "in_app", "webhook"]


def test_deliveries_are_queued_once_the_event_is_committed_and_sent_by_the_worker(
        premium_a, alice, receiver, local_receivers_allowed, eager_tasks, django_capture_on_commit_callbacks):
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice,
                                                                   channels=["webhook"]))
    assert receiver.received == [] and len(callbacks) == 1
    callbacks[0]()

    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT and len(receiver.received) == 1


def test_a_worker_killed_mid_send_neither_loses_nor_doubles_the_delivery(webhook_delivery, receiver):
    now = timezone.now()
    # The first worker claimed it and sent the request, then died before recording the outcome.
    assert delivery_claim(delivery_id=webhook_delivery.pk, now=now)
    claimed = Delivery.objects.select_related("destination", "tenant", "event").get(pk=webhook_delivery.pk)
    WebhookChannel().send(delivery=claimed, message=delivery_message(claimed, now=now))

    assert delivery_attempt(delivery_id=webhook_delivery.pk, now=now + timedelta(minutes=1)) is None  # still claimed
    later = now + CLAIM_LEASE + timedelta(seconds=1)
    assert deliveries_due_queue(now=later - timedelta(seconds=2)) == 0
    assert Delivery.objects.filter(pk=webhook_delivery.pk, status=DeliveryStatus.SENDING).exists()
    resent = delivery_attempt(delivery_id=webhook_delivery.pk, now=later)

    assert resent.status == DeliveryStatus.SENT and resent.attempts == 2
    keys = [r.headers["idempotency-key"] for r in receiver.received]
    assert keys == [str(webhook_delivery.idempotency_key)] * 2  # the receiver drops the repeat by its key


def test_a_claim_that_expired_with_its_worker_is_found_by_the_due_sweep(webhook_delivery, eager_tasks):
    now = timezone.now()
    delivery_claim(delivery_id=webhook_delivery.pk, now=now)

    assert deliveries_due_queue(now=now + timedelta(minutes=1)) == 0
    assert deliveries_due_queue(now=now + CLAIM_LEASE + timedelta(seconds=1)) == 1


def test_a_queued_delivery_whose_message_was_lost_is_found_by_the_due_sweep(webhook_delivery, eager_tasks):
    created = webhook_delivery.created_at

    assert deliveries_due_queue(now=created + timedelta(seconds=10)) == 0  # its own message is on the way
    assert deliveries_due_queue(now=created + timedelta(minutes=2)) == 1


def test_a_delivery_whose_member_was_deleted_meanwhile_fails_without_a_request(webhook_delivery, receiver):
    Delivery.objects.filter(pk=webhook_delivery.pk).update(member_id=10**9)  # a member deleted as it was made

    assert delivery_attempt(delivery_id=webhook_delivery.pk) is None

    webhook_delivery.refresh_from_db()
    assert webhook_delivery.status == DeliveryStatus.FAILED and "deleted" in webhook_delivery.last_error
    assert receiver.received == []
