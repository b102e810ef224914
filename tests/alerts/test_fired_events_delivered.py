"""What fires is delivered: the events of one close (or publication) get their deliveries in one batch,
in the events' transaction, on the channels their rule asks for and the plan allows, for the rule's maker
while they are in the team; the sends are queued only after the commit, and nothing is delivered twice."""

from celery.signals import task_prerun
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.deliveries import deliveries_create_for_events, delivery_redeliver
from alerts.digests import email_digest_set
from alerts.event_books import Candidate, StoredEvent, events_store
from alerts.models import AlertEvent, Channel, Delivery, DeliveryStatus, Notification
from tests.alerts.conftest import START, a_rule, bar_time, destination, subscribe
from watchlists.actors import Actor

WARM = [95.0, 96.0, 97.0, 98.0, 99.0]


def test_a_rule_that_fires_on_a_close_reaches_the_members_notifications_and_email(alice_actor, alice, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5, name="Breakout",
                  channels=["in_app", "email"])

    feed(btc, [*WARM, 101.0])

    event = AlertEvent.objects.get(rule=rule)
    assert sorted(Delivery.objects.filter(event=event).values_list("channel", "status")) == [
        ("email", DeliveryStatus.SENT), ("in_app", DeliveryStatus.SENT)]
    notification = Notification.objects.get(member=alice)
    assert notification.title == "BTCUSD H1: close 101.00 is above 99.50" and notification.event == event
    [email] = mail.outbox
    assert email.subject == "BTCUSD H1: close 101.00 is above 99.50" and "Your alert “Breakout”" in email.body


def test_the_sends_are_queued_only_once_the_events_are_committed(alice_actor, btc, django_capture_on_commit_callbacks):
    rule = a_rule(alice_actor, instrument=btc)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [event] = events_store(candidates=[_candidate(rule)], moment=START)

    [delivery] = Delivery.objects.filter(event_id=event.pk)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 0
    assert len(callbacks) == 1  # the one group of send tasks, after the commit


def test_a_batchs_quick_deliveries_go_to_the_workers_in_chunks_of_their_channel(
        alice_actor, btc, eth, eager_tasks, django_capture_on_commit_callbacks):
    rules = [a_rule(alice_actor, instrument=instrument, channels=["in_app", "email"]) for instrument in (btc, eth)]
    sent = []

    def record(sender=None, kwargs=None, **_):
        sent.append((sender.name, sorted(kwargs.get("delivery_ids") or [kwargs.get("delivery_id")])))

    task_prerun.connect(record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _store(rules, key="bar:1:H1:0")
        [in_app] = Delivery.objects.filter(channel="in_app")[:1]
        with django_capture_on_commit_callbacks(execute=True):
            delivery_redeliver(delivery=in_app)
    finally:
        task_prerun.disconnect(record)

    by_channel = {channel: sorted(Delivery.objects.filter(channel=channel).values_list("pk", flat=True))
                  for channel in ("in_app", "email")}
    assert sent[:2] == [("alerts.tasks.deliveries_send", by_channel["in_app"]),
                        ("alerts.tasks.deliveries_send", by_channel["email"])]  # one message per channel
    assert sent[2:] == [("alerts.tasks.delivery_send", [in_app.pk])]  # a delivery alone goes alone
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2


def test_every_delivery_of_a_batch_is_made_in_the_same_few_queries_however_many_events(alice_actor, bob, btc, eth):
    bob_actor = Actor.member(tenant=alice_actor.tenant, user=bob, manages=False)
    destination(tenant=alice_actor.tenant, member=bob, channel=Channel.PUSH, url="https://push.example.com/b")
    one = [a_rule(alice_actor, instrument=btc)]
    many = [a_rule(actor, instrument=instrument, channels=["in_app", "email", "push"])
            for actor in (alice_actor, bob_actor) for instrument in (btc, eth) for _ in range(5)]

    with CaptureQueriesContext(connection) as few:
        _store(one, key="bar:1:H1:0")
    with CaptureQueriesContext(connection) as batch:
        _store(many, key="bar:1:H1:0")

    assert Delivery.objects.filter(channel="push").count() == 10  # bob's, to his one browser
    assert Delivery.objects.count() == 1 + 20 * 2 + 10
    assert len(batch.captured_queries) <= len(few.captured_queries) + 1  # + bob's destinations


def test_a_close_offered_again_delivers_nothing_twice(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, channels=["in_app", "email"])
    [event] = _store([rule], key="bar:1:H1:0")

    assert _store([rule], key="bar:1:H1:0") == []
    assert deliveries_create_for_events(events=[event]) == []
    assert Delivery.objects.count() == 2


def test_a_channel_the_plan_lost_since_the_rule_was_made_is_skipped(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, channels=["in_app", "push"])
    subscribe(alice_actor.tenant, "free")  # in-app and email only
    destination(tenant=alice_actor.tenant, member=alice_actor.user, channel=Channel.PUSH,
                url="https://push.example.com/a")

    _store([rule], key="bar:1:H1:0")

    assert list(Delivery.objects.values_list("channel", flat=True)) == ["in_app"]


def test_the_rule_of_a_member_who_left_fires_but_is_delivered_to_no_one(alice_actor, bob, btc):
    bob_actor = Actor.member(tenant=alice_actor.tenant, user=bob, manages=False)
    rule = a_rule(bob_actor, instrument=btc)
    bob.memberships.all().delete()

    [event] = _store([rule], key="bar:1:H1:0")

    assert AlertEvent.objects.get(pk=event.pk).rule == rule and not Delivery.objects.exists()


def test_an_email_held_for_the_digest_is_stored_held(alice_actor, btc):
    email_digest_set(tenant=alice_actor.tenant, member=alice_actor.user, minutes=60)
    rule = a_rule(alice_actor, instrument=btc, channels=["in_app", "email"])

    _store([rule], key="bar:1:H1:0")

    assert sorted(Delivery.objects.values_list("channel", "status")) == [
        ("email", DeliveryStatus.HELD), ("in_app", DeliveryStatus.QUEUED)]


def _candidate(rule, key: str = "bar:1:H1:0") -> Candidate:
    return Candidate(rule_id=rule.pk, tenant_id=rule.tenant_id, stateful=False, once=False, trigger_key=key,
                     message="fired", bar_time=bar_time(0))


def _store(rules, *, key: str) -> list[StoredEvent]:
    return events_store(candidates=[_candidate(rule, key) for rule in rules], moment=START)
