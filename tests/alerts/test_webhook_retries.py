"""Webhook deliveries against a real receiver on 127.0.0.1: retried with backoff on 5xx, timeouts and
refused connections, as told on 429, never on another 4xx; each attempt logged; an endpoint that fails
for a day is turned off and its owner emailed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alerts.deliveries import deliveries_create_for_event, deliveries_due_queue, delivery_attempt
from alerts.models import Channel, Delivery, DeliveryStatus, Notification
from tests.alerts.conftest import alert_event, destination


@pytest.fixture
def endpoint(premium_a, alice, receiver, local_receivers_allowed):
    return destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")


def _delivery(tenant, member) -> Delivery:
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant, member=member, channels=["webhook"]))
    return delivery


def test_a_receiver_that_fails_then_succeeds_gets_the_alert_on_the_retry(endpoint, premium_a, alice, receiver):
    receiver.replies += [(503, {}, b"down for maintenance"), (200, {}, b"thanks")]
    delivery, now = _delivery(premium_a, alice), timezone.now()

    first = delivery_attempt(delivery_id=delivery.pk, now=now, jitter=lambda: 0.0)

    assert first.status == DeliveryStatus.RETRYING and first.next_attempt_at == now + timedelta(seconds=15)
    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(seconds=5)) is None  # not due yet
    second = delivery_attempt(delivery_id=delivery.pk, now=first.next_attempt_at)

    assert second.status == DeliveryStatus.SENT and second.attempts == 2 and second.last_error == ""
    assert [r.headers["idempotency-key"] for r in receiver.received] == [str(delivery.idempotency_key)] * 2
    log = list(second.log.order_by("number"))
    assert [(a.outcome, a.response_status, a.response) for a in log] == [
        ("retry", 503, "down for maintenance"), ("sent", 200, "thanks")]
    assert "X-Beacon-Signature" in log[0].request
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.last_success_at == first.next_attempt_at


def test_the_due_sweep_sends_a_retry_whose_time_has_come(endpoint, premium_a, alice, receiver, eager_tasks,
                                                        django_capture_on_commit_callbacks):
    receiver.replies += [(500, {}, b""), (200, {}, b"")]
    delivery, now = _delivery(premium_a, alice), timezone.now()
    retrying = delivery_attempt(delivery_id=delivery.pk, now=now)

    assert deliveries_due_queue(now=now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert deliveries_due_queue() == 1

    assert retrying.status == DeliveryStatus.RETRYING
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT and len(receiver.received) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_client_error_other_than_429_is_not_retried(endpoint, premium_a, alice, receiver, status):
    receiver.replies.append((status, {}, b'{"error": "no such route"}'))
    delivery, now = _delivery(premium_a, alice), timezone.now()

    failed = delivery_attempt(delivery_id=delivery.pk, now=now)

    assert failed.status == DeliveryStatus.FAILED and f"HTTP {status}" in failed.last_error
    assert delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(days=2)) is None
    assert deliveries_due_queue(now=now + timedelta(days=2)) == 0
    assert len(receiver.received) == 1
    endpoint.refresh_from_db()
    assert endpoint.is_enabled and endpoint.failing_since == now


def test_a_429_is_retried_after_the_wait_its_retry_after_gives(endpoint, premium_a, alice, receiver):
    receiver.replies.append((429, {"Retry-After": "120"}, b"slow down"))
    delivery, now = _delivery(premium_a, alice), timezone.now()

    limited = delivery_attempt(delivery_id=delivery.pk, now=now)

    assert limited.status == DeliveryStatus.RETRYING
    assert limited.next_attempt_at == now + timedelta(seconds=120)


def test_a_timeout_is_retried(endpoint, premium_a, alice, receiver, settings):
    settings.ALERTS_SEND_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    delivery = _delivery(premium_a, alice)

    timed_out = delivery_attempt(delivery_id=delivery.pk)

    assert timed_out.status == DeliveryStatus.RETRYING and "Timeout" in timed_out.last_error


def test_a_refused_connection_is_retried(premium_a, alice, local_receivers_allowed):
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url="http://127.0.0.1:9/hook")  # discard port
    delivery = _delivery(premium_a, alice)

    refused = delivery_attempt(delivery_id=delivery.pk)

    assert refused.status == DeliveryStatus.RETRYING and "network error" in refused.last_error


def test_after_24_hours_of_failures_the_delivery_fails_and_the_endpoint_is_turned_off_and_its_owner_told(
        endpoint, premium_a, alice, receiver, django_capture_on_commit_callbacks):
    receiver.replies += [(500, {}, b"")] * 3
    delivery, start = _delivery(premium_a, alice), timezone.now()
    delivery_attempt(delivery_id=delivery.pk, now=start)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=start + timedelta(hours=23))
    assert delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(hours=23)).status == DeliveryStatus.RETRYING
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=start + timedelta(hours=24, minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        final = delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(hours=24, minutes=1))

    assert final.status == DeliveryStatus.FAILED and final.last_error.startswith("Gave up after 24 hours")
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and "24 hours" in endpoint.disabled_reason
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and "turned off" in email.subject
    assert Notification.objects.filter(member=alice, title__contains="turned off").count() == 1
    assert deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"])) == []


def test_a_delivery_to_an_endpoint_turned_off_meanwhile_fails_without_a_request(endpoint, premium_a, alice, receiver):
    delivery = _delivery(premium_a, alice)
    endpoint.disabled_at = timezone.now()
    endpoint.save()

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.FAILED and "turned off" in failed.last_error
    assert receiver.received == []
