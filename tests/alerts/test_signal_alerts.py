"""Signal rules fire when a signal becomes visible to the tenant's plan (Free after its delay), filtered
by direction, confidence, timeframe and asset class; outcome rules fire when a signal they follow hits a
target or its stop."""

from dataclasses import replace

import pytest
from django_celery_beat.models import PeriodicTask

from alerts.firing import outcomes_evaluate_new
from alerts.models import AlertEvent
from alerts.tasks import alerts_on_outcomes
from config.beat_schedules import beat_schedules_sync
from market.models import Instrument
from signals.engine.outcomes import Outcome
from signals.models import SignalPublication
from signals.publishing import publications_release_due
from signals.services import outcomes_record, signal_create, strategy_default_ensure
from tests.alerts.conftest import a_rule, subscribe
from tests.signals.test_outcomes_recorded import a_draft
from watchlists.actors import Actor
from watchlists.services import watchlist_create, watchlist_item_add

SIGNAL_RULE = {"kind": "signal", "op": "", "value": None, "timeframe": ""}


@pytest.fixture
def goog(catalogue) -> Instrument:
    return Instrument.objects.get(symbol="GOOG")


@pytest.fixture
def publish(eager_tasks, django_capture_on_commit_callbacks):
    """publish(**draft changes): a GOOG daily signal stored and published as the engine does it."""

    def make(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            return signal_create(draft=replace(a_draft(), **changes), instrument=Instrument.objects.get(symbol="GOOG"),
                                 strategy=strategy_default_ensure())

    return make


def test_a_pro_tenant_hears_of_a_signal_as_it_is_published(alice_actor, goog, publish):
    rule = a_rule(alice_actor, instrument=goog, **SIGNAL_RULE)

    signal = publish()

    event = AlertEvent.objects.get(rule=rule)
    assert (event.signal, event.trigger_key) == (signal, f"signal:{signal.pk}")
    assert event.message == "GOOG D1: new BUY signal at 723.25"


def test_a_free_tenant_hears_of_it_only_when_its_publication_is_released(alice_actor, goog, publish):
    subscribe(alice_actor.tenant, "free")
    rule = a_rule(alice_actor, instrument=goog, **SIGNAL_RULE)

    signal = publish()
    assert not AlertEvent.objects.filter(rule=rule).exists()
    free = SignalPublication.objects.get(signal=signal, tier="free")
    publications_release_due(now=free.visible_at)

    assert AlertEvent.objects.get(rule=rule).fired_at == free.visible_at


def test_signal_filters_choose_which_signals_fire(alice_actor, goog, publish):
    sells = a_rule(alice_actor, name="Sells", direction="SELL", **SIGNAL_RULE)
    confident = a_rule(alice_actor, name="Confident", min_confidence=0.6, **SIGNAL_RULE)
    hourly = a_rule(alice_actor, name="Hourly", **(SIGNAL_RULE | {"timeframe": "H1"}))
    stocks = a_rule(alice_actor, name="Stocks", asset_class="stock", **SIGNAL_RULE)
    crypto = a_rule(alice_actor, name="Crypto", asset_class="crypto", **SIGNAL_RULE)

    publish(confidence=0.65)

    fired = set(AlertEvent.objects.values_list("rule_id", flat=True))
    assert fired == {confident.pk, stocks.pk}
    assert {sells.pk, hourly.pk, crypto.pk}.isdisjoint(fired)


def test_a_signal_rule_on_a_watchlist_follows_its_instruments(alice_actor, goog, btc, publish):
    watchlist = watchlist_create(actor=alice_actor, name="Mine")
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=btc)
    rule = a_rule(alice_actor, watchlist=watchlist, **SIGNAL_RULE)

    publish()
    assert not AlertEvent.objects.filter(rule=rule).exists()
    watchlist_item_add(actor=alice_actor, watchlist=watchlist, instrument=goog)
    publish(bar_time=a_draft().bar_time + 86400)

    assert AlertEvent.objects.filter(rule=rule).count() == 1


def test_another_tenants_rules_fire_for_their_own_plan(alice_actor, goog, publish, charlie, tenant_b):
    subscribe(tenant_b, "free")
    theirs = a_rule(Actor.member(tenant=tenant_b, user=charlie, manages=True), **SIGNAL_RULE)
    ours = a_rule(alice_actor, **SIGNAL_RULE)

    publish()

    assert AlertEvent.objects.filter(rule=ours).count() == 1
    assert not AlertEvent.objects.filter(rule=theirs).exists()


def _outcome(result: str) -> Outcome:
    return Outcome(result=result, target_1_hit=result.startswith("target"), targets_hit=1, exit_price=746.5,
                   r_multiple=1.0 if result != "stop" else -1.0, mfe_r=1.0, mae_r=-0.2, bars_held=3,
                   closed_bar_time=a_draft().bar_time + 3 * 86400)


@pytest.mark.parametrize(("result", "fires"), [("target_1", {"hits_target", "closes"}),
                                               ("stop", {"hits_stop", "closes"}), ("expired", set())])
def test_outcome_rules_fire_on_the_outcome_they_wait_for_once(alice_actor, goog, publish, result, fires):
    rules = {op: a_rule(alice_actor, instrument=goog, name=op, **(SIGNAL_RULE | {"kind": "outcome", "op": op}))
             for op in ("hits_target", "hits_stop", "closes")}
    signal = publish()

    outcomes_record([(signal, _outcome(result))])
    outcomes_evaluate_new()
    outcomes_evaluate_new()

    fired = dict(AlertEvent.objects.values_list("rule__name", "message"))
    assert set(fired) == fires
    assert all(AlertEvent.objects.filter(rule=rules[op]).count() == 1 for op in fires)
    if fires:
        assert fired["closes"].startswith("GOOG D1: the BUY signal at 723.25 hit ")


def test_an_outcome_is_not_told_to_a_plan_that_was_not_shown_the_signal(alice_actor, goog, publish):
    subscribe(alice_actor.tenant, "free")
    rule = a_rule(alice_actor, instrument=goog, **(SIGNAL_RULE | {"kind": "outcome", "op": "closes"}))
    signal = publish()  # Free's copy is still delayed

    outcomes_record([(signal, _outcome("target_1"))])
    outcomes_evaluate_new()

    assert not AlertEvent.objects.filter(rule=rule).exists()


def test_beat_reads_the_recorded_outcomes_on_the_alerts_queue(db):
    beat_schedules_sync()

    task = PeriodicTask.objects.get(name="alerts-outcomes")
    assert (task.task, task.interval.every, task.queue) == ("alerts.tasks.alerts_on_outcomes", 15, "alerts")


def test_the_outcome_task_fires_outcome_rules(alice_actor, goog, publish):
    rule = a_rule(alice_actor, instrument=goog, **(SIGNAL_RULE | {"kind": "outcome", "op": "hits_stop"}))
    outcomes_record([(publish(), _outcome("stop"))])

    alerts_on_outcomes.delay()

    assert AlertEvent.objects.get(rule=rule).message.endswith("hit its stop (-1.00R)")
