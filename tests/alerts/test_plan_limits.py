"""The plan limits active alerts and their channels: over a limit a rule cannot be activated and the
error says why; when the plan shrinks, the rules beyond it are paused, not deleted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import AlertRule, PausedReason, RuleStatus
from alerts.services import alert_rule_update, alert_rules_fit_plan
from billing.models import Subscription, SubscriptionStatus
from billing.sync import downgrades_notify, subscription_apply
from config.errors import NotEntitled, PlanLimitReached
from tests.alerts.conftest import a_rule, subscribe


def test_a_rule_beyond_the_active_alerts_cannot_be_activated_and_says_why(alice_actor, btc):
    subscribe(alice_actor.tenant, "free")  # 3 active alerts
    rules = [a_rule(alice_actor, instrument=btc, name=f"Alert {i}") for i in range(3)]

    with pytest.raises(PlanLimitReached) as caught:
        a_rule(alice_actor, instrument=btc, name="Fourth")

    assert "allows 3 active alerts and 3 are active" in caught.value.message
    assert caught.value.fields == {"status": ["Every active alert your plan allows is in use."]}
    assert AlertRule.objects.count() == 3
    fourth = a_rule(alice_actor, instrument=btc, name="Fourth", status=RuleStatus.PAUSED)  # paused, it is kept
    with pytest.raises(PlanLimitReached):
        alert_rule_update(actor=alice_actor, rule=fourth, status=RuleStatus.ACTIVE)
    alert_rule_update(actor=alice_actor, rule=rules[0], status=RuleStatus.PAUSED)
    alert_rule_update(actor=alice_actor, rule=fourth, status=RuleStatus.ACTIVE)
    assert AlertRule.objects.filter(status=RuleStatus.ACTIVE).count() == 3


def test_editing_an_active_rule_at_the_limit_is_not_an_activation(alice_actor, btc):
    subscribe(alice_actor.tenant, "free")
    rules = [a_rule(alice_actor, instrument=btc, name=f"Alert {i}") for i in range(3)]

    alert_rule_update(actor=alice_actor, rule=rules[0], name="Renamed")

    assert AlertRule.objects.get(pk=rules[0].pk).name == "Renamed"


def test_a_channel_the_plan_lacks_is_refused_on_its_field(alice_actor, btc):
    with pytest.raises(NotEntitled) as caught:
        a_rule(alice_actor, instrument=btc, channels=["in_app", "webhook"])  # Pro has no webhooks

    assert caught.value.fields == {"channels": ["Webhook is not in your plan."]}
    assert not AlertRule.objects.exists()


def test_a_confidence_filter_needs_a_plan_that_shows_confidence(alice_actor):
    subscribe(alice_actor.tenant, "free")

    with pytest.raises(NotEntitled) as caught:
        a_rule(alice_actor, kind="signal", op="", value=None, timeframe="", min_confidence=0.6)

    assert "min_confidence" in caught.value.fields


def test_on_a_downgrade_the_rules_beyond_the_plan_are_paused_newest_first(alice_actor, btc):
    subscribe(alice_actor.tenant, "premium")
    kept = [a_rule(alice_actor, instrument=btc, name=f"Alert {i}") for i in range(3)]
    webhook = a_rule(alice_actor, instrument=btc, name="Webhook", channels=["webhook"])
    beyond = a_rule(alice_actor, instrument=btc, name="Newest")
    subscribe(alice_actor.tenant, "free")

    paused = alert_rules_fit_plan(tenant=alice_actor.tenant)

    assert sorted(paused) == sorted([webhook.pk, beyond.pk])
    assert set(AlertRule.objects.filter(status=RuleStatus.ACTIVE).values_list("pk", flat=True)) == {r.pk for r in kept}
    assert set(AlertRule.objects.filter(status=RuleStatus.PAUSED).values_list("paused_reason", flat=True)) == {
        PausedReason.PLAN}
    assert AlertRule.objects.count() == 5


def _stripe_subscription(tenant, status: str) -> dict:
    return {"id": "sub_test", "customer": "cus_test", "status": status, "metadata": {"tenant_id": str(tenant.pk)},
            "items": {"data": [{"price": {"id": "price_premium_monthly"}}]}}


def test_billing_applying_a_cancellation_pauses_the_rules_beyond_free(alice_actor, btc):
    Subscription.objects.filter(tenant=alice_actor.tenant).delete()
    subscription_apply(stripe_subscription=_stripe_subscription(alice_actor.tenant, "active"), state_at=timezone.now())
    rules = [a_rule(alice_actor, instrument=btc, name=f"Alert {i}") for i in range(5)]

    subscription_apply(stripe_subscription=_stripe_subscription(alice_actor.tenant, "canceled"),
                       state_at=timezone.now())

    assert [r.status for r in AlertRule.objects.order_by("created_at", "id")] == ["active"] * 3 + ["paused"] * 2
    assert AlertRule.objects.filter(pk__in=[r.pk for r in rules]).count() == 5


def test_the_end_of_the_grace_period_pauses_the_rules_beyond_free(alice_actor, btc):
    subscribe(alice_actor.tenant, "premium")
    [a_rule(alice_actor, instrument=btc, name=f"Alert {i}") for i in range(4)]
    since = timezone.now() - timedelta(days=1)
    Subscription.objects.filter(tenant=alice_actor.tenant).update(status=SubscriptionStatus.PAST_DUE,
                                                                  past_due_since=since)

    assert downgrades_notify(now=since + timedelta(days=8)) == 1

    assert AlertRule.objects.filter(status=RuleStatus.ACTIVE).count() == 3
