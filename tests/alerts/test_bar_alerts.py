"""Bar rules fire through the closed-bar event, on closed bars only: crosses at the exact value, once per
bar however often the event comes, with cooldown, "once" and expiry holding, and a rule that follows a
watchlist covering what the list holds now."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from alerts import firing
from alerts.models import AlertBarCursor, AlertEvent, PausedReason, Repeat, RuleStatus
from billing.models import UsageCounter, UsageMetric
from market.services import bars_ingest
from tests.alerts.conftest import HOUR, a_rule, bar_time, bars_of, subscribe
from watchlists.actors import Actor
from watchlists.services import watchlist_create, watchlist_item_add

WARM = [95.0, 96.0, 97.0, 98.0, 99.0]


def events(rule) -> list[str]:
    return list(AlertEvent.objects.filter(rule=rule).order_by("bar_time").values_list("trigger_key", flat=True))


def test_a_close_exactly_at_the_value_crosses_it_and_the_event_says_so(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="crosses_up", value=100.0)

    feed(btc, WARM)
    feed(btc, [100.0], first=5)

    event = AlertEvent.objects.get(rule=rule)
    assert event.message == "BTCUSD H1: close 100.00 crossed above 100.00"
    assert (event.instrument, event.bar_time, event.fired_at) == (btc, bar_time(5), bar_time(6))
    assert (event.tenant_id, event.left_value, event.right_value) == (alice_actor.tenant.pk, 100.0, 100.0)


def test_leaving_the_level_after_reaching_it_does_not_cross_again(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="crosses_up", value=100.0)

    feed(btc, WARM)
    for index, close in enumerate([100.0, 101.0, 99.0, 100.0], start=5):
        feed(btc, [close], first=index)

    assert events(rule) == [f"bar:{btc.pk}:H1:{int(bar_time(5).timestamp())}",
                            f"bar:{btc.pk}:H1:{int(bar_time(8).timestamp())}"]


def test_the_same_bar_never_fires_a_rule_twice(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    feed(btc, [*WARM, 101.0])

    for _ in range(3):  # the event again, as a retry or a second ingester would send it
        assert firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5)) == 0
    AlertBarCursor.objects.all().delete()  # even with the claim forgotten, the event's key holds
    assert firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5)) == 0

    assert len(events(rule)) == 1


def test_a_backfill_fires_on_its_newest_bar_only(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)

    feed(btc, [*WARM, 101.0, 102.0, 103.0])  # eight bars at once, eight closed-bar events

    assert events(rule) == [f"bar:{btc.pk}:H1:{int(bar_time(7).timestamp())}"]


def test_an_event_that_comes_after_the_next_close_fires_on_the_newest_bar(alice_actor, btc):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    bars_ingest(instrument=btc, timeframe="H1", bars=bars_of([*WARM, 99.0, 101.0]), source="test")  # queued events

    late = firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5))
    own = firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(6))

    assert (late, own) == (1, 0)
    assert events(rule) == [f"bar:{btc.pk}:H1:{int(bar_time(6).timestamp())}"]


def test_cooldown_holds_until_it_is_over(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5, cooldown_seconds=2 * HOUR)

    feed(btc, WARM)
    for index in range(5, 9):
        feed(btc, [100.0], first=index)

    assert [key.rsplit(":", 1)[1] for key in events(rule)] == [
        str(int(bar_time(i).timestamp())) for i in (5, 7)]  # closed at 6:00 and 8:00; not 7:00 or 9:00
    rule.refresh_from_db()
    assert rule.last_fired_at == bar_time(8)  # what the cooldown counts from


def test_a_once_rule_fires_once_and_is_paused_saying_why(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5, repeat=Repeat.ONCE)

    feed(btc, WARM)
    feed(btc, [100.0], first=5)
    feed(btc, [100.0], first=6)

    rule.refresh_from_db()
    assert len(events(rule)) == 1
    assert (rule.status, rule.paused_reason) == (RuleStatus.PAUSED, PausedReason.FIRED_ONCE)


def test_an_expired_rule_does_not_fire(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    feed(btc, WARM)
    type(rule).objects.filter(pk=rule.pk).update(expires_at=bar_time(6))

    feed(btc, [100.0], first=5)  # closes at 6:00, when it expires

    assert events(rule) == []


def test_a_rule_that_follows_a_watchlist_covers_a_symbol_added_later(alice_actor, btc, eth, feed):
    watchlist = watchlist_create(actor=alice_actor, name="Crypto")
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=btc)
    rule = a_rule(alice_actor, watchlist=watchlist, op="above", value=99.5)
    feed(eth, WARM)

    feed(eth, [100.0], first=5)
    assert events(rule) == []  # not in the list yet
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=eth)
    feed(eth, [100.0], first=6)

    assert AlertEvent.objects.get(rule=rule).instrument == eth


def test_one_event_evaluates_every_instrument_whose_same_bar_closed(alice_actor, btc, eth, feed):
    on_btc = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    on_eth = a_rule(alice_actor, instrument=eth, op="above", value=99.5)
    feed(btc, WARM)
    feed(eth, WARM)
    with pytest.MonkeyPatch.context() as patch:  # the closes are stored without their events
        patch.setattr("market.services.settings.BAR_CLOSED_TASKS", [])
        feed(btc, [100.0], first=5)
        feed(eth, [100.0], first=5)

    assert firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5)) == 2
    assert firing.bar_closed_evaluate(instrument_id=eth.pk, timeframe="H1", bar_time=bar_time(5)) == 0
    assert len(events(on_btc)) == len(events(on_eth)) == 1


def test_the_other_events_of_a_close_this_worker_claimed_ask_the_database_nothing(
        alice_actor, btc, eth, feed, django_capture_on_commit_callbacks):
    a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    feed(btc, WARM)
    feed(eth, WARM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("market.services.settings.BAR_CLOSED_TASKS", [])
        feed(btc, [100.0], first=5)
        feed(eth, [100.0], first=5)
    with django_capture_on_commit_callbacks(execute=True):  # the claim is remembered once committed
        assert firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5)) == 1

    with CaptureQueriesContext(connection) as queries:
        assert firing.bar_closed_evaluate(instrument_id=eth.pk, timeframe="H1", bar_time=bar_time(5)) == 0
    assert queries.captured_queries == []
    firing.claims_forget()  # and without the memory, the database says the same
    assert firing.bar_closed_evaluate(instrument_id=eth.pk, timeframe="H1", bar_time=bar_time(5)) == 0
    assert AlertEvent.objects.count() == 1


def test_a_close_claimed_but_rolled_back_is_not_remembered(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    feed(btc, WARM)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("market.services.settings.BAR_CLOSED_TASKS", [])
        feed(btc, [100.0], first=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5))
        raise RuntimeError("the worker died before the commit")

    assert firing.bar_closed_evaluate(instrument_id=btc.pk, timeframe="H1", bar_time=bar_time(5)) == 1
    assert len(events(rule)) == 1


def test_a_once_rule_on_a_watchlist_fires_for_every_instrument_of_the_same_close(alice_actor, btc, eth, feed):
    watchlist = watchlist_create(actor=alice_actor, name="Crypto")
    for instrument in (btc, eth):
        watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=instrument)
    rule = a_rule(alice_actor, watchlist=watchlist, op="above", value=99.5, repeat=Repeat.ONCE)
    feed(btc, WARM)
    feed(eth, WARM)

    feed(btc, [100.0], first=5)  # fires, and the rule is paused...
    feed(eth, [100.0], first=5)  # ...but the same close on ETH is the same moment: one firing
    feed(btc, [100.0], first=6)

    assert sorted(AlertEvent.objects.filter(rule=rule).values_list("instrument__symbol", flat=True)) == [
        "BTCUSD", "ETHUSD"]


def test_a_paused_rule_does_not_fire(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, op="above", value=99.5, status=RuleStatus.PAUSED)

    feed(btc, [*WARM, 100.0])

    assert events(rule) == []


def test_fired_events_count_in_the_tenants_usage(alice_actor, btc, feed):
    a_rule(alice_actor, instrument=btc, op="above", value=99.5)
    a_rule(alice_actor, instrument=btc, op="above", value=80.0)

    feed(btc, [*WARM, 100.0])
    assert UsageCounter.objects.get(tenant=alice_actor.tenant, metric=UsageMetric.ALERTS_FIRED).count == 2
    feed(btc, [101.0], first=6)

    assert UsageCounter.objects.get(tenant=alice_actor.tenant, metric=UsageMetric.ALERTS_FIRED).count == 4


def test_an_indicator_rule_fires_through_the_live_path(alice_actor, btc, feed):
    rule = a_rule(alice_actor, instrument=btc, kind="indicator", left="rsi(14)", op="above", value=70.0)
    feed(btc, [100.0 - 0.5 * i for i in range(30)])

    feed(btc, [100.0 + i for i in range(10)], first=30)

    assert AlertEvent.objects.get(rule=rule).message.startswith("BTCUSD H1: rsi(14) ")
    assert AlertEvent.objects.get(rule=rule).bar_time == bar_time(39)


def test_events_are_stored_with_the_rules_tenant_only(alice_actor, btc, feed, charlie, tenant_b):
    subscribe(tenant_b, "pro")
    theirs = a_rule(Actor.member(tenant=tenant_b, user=charlie, manages=True), instrument=btc, op="above", value=50)
    ours = a_rule(alice_actor, instrument=btc, op="above", value=50)

    feed(btc, [*WARM, 100.0])

    assert AlertEvent.objects.get(rule=theirs).tenant == tenant_b
    assert AlertEvent.objects.get(rule=ours).tenant == alice_actor.tenant
