"""A member who chose a digest gets one summary every N minutes instead of an email per alert; the
digest is a Beat task found by config.beat_schedules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.digests import digests_send, email_digest_set
from alerts.models import Delivery, DeliveryStatus
from config.beat_schedules import beat_schedules_sync
from config.errors import InvalidInput
from tests.alerts.conftest import alert_event


def _fire(tenant, member, title):
    return deliveries_create_for_event(event=alert_event(tenant=tenant, member=member, channels=["email"], title=title))


def test_alerts_are_held_and_sent_together_once_the_digests_minutes_have_passed(tenant_a, alice):
    email_digest_set(tenant=tenant_a, member=alice, minutes=30)
    start = timezone.now()

    [first] = _fire(tenant_a, alice, "GOOG long on D1")
    assert delivery_attempt(delivery_id=first.pk) is None  # held: no single email
    assert digests_send(now=start) == 1
    [second] = _fire(tenant_a, alice, "EURUSD short on H1")
    _fire(tenant_a, alice, "BTCUSD long on MN1")
    assert digests_send(now=start + timedelta(minutes=10)) == 0
    assert digests_send(now=start + timedelta(minutes=31)) == 1

    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.to == ["alice@example.com"] and digest.subject == "2 Beacon alerts in the last 30 minutes"
    assert "EURUSD short on H1" in digest.body and "BTCUSD long on MN1" in digest.body
    assert "GOOG long on D1" not in digest.body
    assert "Stop loss: 1.08710" in digest.body and "BTCUSD long on MN1" in digest.alternatives[0][0]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert Delivery.objects.get(pk=second.pk).log.get().request.startswith("To: alice@example.com")


def test_nothing_is_sent_when_nothing_is_held(tenant_a, alice):
    email_digest_set(tenant=tenant_a, member=alice, minutes=15)

    assert digests_send() == 0 and mail.outbox == []


def test_other_channels_and_other_members_are_not_held(tenant_a, alice, bob):
    email_digest_set(tenant=tenant_a, member=alice, minutes=60)

    [bobs] = _fire(tenant_a, bob, "GOOG long on D1")
    alices = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=["in_app", "email"]))

    assert bobs.status == DeliveryStatus.QUEUED
    assert {d.channel: d.status for d in alices} == {"in_app": DeliveryStatus.QUEUED, "email": DeliveryStatus.HELD}


def test_turning_the_digest_off_sends_what_it_held_as_single_emails(tenant_a, alice, eager_tasks,
                                                                    django_capture_on_commit_callbacks):
    email_digest_set(tenant=tenant_a, member=alice, minutes=60)
    _fire(tenant_a, alice, "GOOG long on D1")

    with django_capture_on_commit_callbacks(execute=True):
        email_digest_set(tenant=tenant_a, member=alice, minutes=0)

    assert [m.subject for m in mail.outbox] == ["GOOG long on D1"]


def test_a_digest_interval_outside_the_choices_is_refused(tenant_a, alice):
    with pytest.raises(InvalidInput) as error:
        email_digest_set(tenant=tenant_a, member=alice, minutes=7)

    assert "email_digest_minutes" in error.value.fields


def test_the_digest_and_the_due_sweep_are_beat_tasks_on_the_alerts_queue(db):
    beat_schedules_sync()

    tasks = {t.name: t for t in PeriodicTask.objects.filter(name__startswith="alerts-")}
    assert tasks["alerts-digests"].task == "alerts.tasks.digests_send" and tasks["alerts-digests"].queue == "alerts"
    assert tasks["alerts-deliveries-due"].task == "alerts.tasks.deliveries_due_send"
    assert "alerts-telegram-updates-poll" not in tasks  # only with TELEGRAM_UPDATES_POLLING
