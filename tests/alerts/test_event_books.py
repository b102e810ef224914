"""Storing what fired: once per rule and trigger, and never past a rule's state changed meanwhile (another
evaluation fired it within its cooldown, or fired a "once" rule at another moment)."""

from dataclasses import replace
from datetime import timedelta

from alerts.event_books import Candidate, events_store
from alerts.models import AlertEvent, AlertRule, PausedReason, Repeat, RuleStatus
from tests.alerts.conftest import START, a_rule

MOMENT = START + timedelta(hours=6)


def candidate(rule, key: str = "bar:1:H1:0") -> Candidate:
    return Candidate(rule_id=rule.pk, tenant_id=rule.tenant_id, stateful=rule.cooldown_seconds > 0 or
                     rule.repeat == Repeat.ONCE, once=rule.repeat == Repeat.ONCE, trigger_key=key, message="fired")


def test_an_event_is_stored_once_however_often_it_is_offered(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc)

    first = events_store(candidates=[candidate(rule), candidate(rule)], moment=MOMENT)
    again = events_store(candidates=[candidate(rule)], moment=MOMENT)

    assert len(first) == 1 and again == []
    assert AlertEvent.objects.get().pk == first[0].pk and AlertEvent.objects.get().message == "fired"


def test_a_rule_fired_meanwhile_within_its_cooldown_stores_nothing(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, cooldown_seconds=3600)
    AlertRule.objects.filter(pk=rule.pk).update(last_fired_at=MOMENT - timedelta(minutes=10))  # another worker

    assert events_store(candidates=[candidate(rule)], moment=MOMENT) == []
    assert not AlertEvent.objects.exists()


def test_a_once_rule_fires_for_every_trigger_of_its_moment_and_is_paused(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, repeat=Repeat.ONCE)

    events_store(candidates=[candidate(rule, "bar:1:H1:0")], moment=MOMENT)
    events_store(candidates=[candidate(rule, "bar:2:H1:0")], moment=MOMENT)  # the same close, another instrument
    later = events_store(candidates=[candidate(rule, "bar:1:H1:3600")], moment=MOMENT + timedelta(hours=1))

    rule.refresh_from_db()
    assert AlertEvent.objects.count() == 2 and later == []
    assert (rule.status, rule.paused_reason, rule.last_fired_at) == (RuleStatus.PAUSED, PausedReason.FIRED_ONCE,
                                                                     MOMENT)


def test_a_rule_deleted_before_its_event_is_stored_gets_none(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc)
    offered = candidate(rule)
    AlertRule.objects.filter(pk=rule.pk).delete()  # by another request, after the evaluation loaded it

    assert events_store(candidates=[offered], moment=MOMENT) == []
    assert not AlertEvent.objects.exists()


def test_an_event_takes_its_rules_tenant_whatever_it_is_offered_with(alice_actor, btc, tenant_b):
    rule = a_rule(alice_actor, instrument=btc)

    [stored] = events_store(candidates=[replace(candidate(rule), tenant_id=tenant_b.pk)], moment=MOMENT)

    assert AlertEvent.objects.get(pk=stored.pk).tenant_id == rule.tenant_id == stored.tenant_id != tenant_b.pk
