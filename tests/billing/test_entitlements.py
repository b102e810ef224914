from dataclasses import fields
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import api_key_create
from billing.entitlements import (
    FEATURE_LABELS,
    LIMIT_NOUNS,
    Entitlements,
    feature_ensure,
    limit_amount,
    limit_ensure_available,
    tenant_entitlements,
)
from billing.models import Plan, Subscription, SubscriptionStatus
from billing.services import plan_catalogue_seed
from config.errors import NotEntitled, PlanLimitReached


@pytest.fixture
def plans(db):
    return {p.code: p for p in plan_catalogue_seed()}


def test_tenant_without_subscription_gets_the_default_plan(plans, tenant_a):
    assert tenant_entitlements(tenant=tenant_a).plan_code == "free"


def test_active_subscription_gives_its_plan(plans, tenant_a):
    Subscription.objects.create(tenant=tenant_a, plan=plans["pro"], status=SubscriptionStatus.ACTIVE)

    entitlements = tenant_entitlements(tenant=tenant_a)

    assert entitlements.plan_code == "pro"
    assert entitlements.shows_confidence is True


def test_past_due_keeps_the_plan_during_grace_then_falls_to_free(plans, tenant_a, settings):
    settings.BILLING_GRACE_DAYS = 7
    since = timezone.now() - timedelta(days=3)
    Subscription.objects.create(tenant=tenant_a, plan=plans["premium"], status=SubscriptionStatus.PAST_DUE,
                                past_due_since=since)

    assert tenant_entitlements(tenant=tenant_a).plan_code == "premium"
    assert tenant_entitlements(tenant=tenant_a, now=since + timedelta(days=8)).plan_code == "free"


def test_canceled_subscription_falls_to_free(plans, tenant_a):
    Subscription.objects.create(tenant=tenant_a, plan=plans["premium"], status=SubscriptionStatus.CANCELED)

    assert tenant_entitlements(tenant=tenant_a).plan_code == "free"


def test_going_over_a_limit_says_the_limit_the_use_and_where_to_upgrade(plans, tenant_a):
    with pytest.raises(PlanLimitReached) as error:
        limit_ensure_available(tenant=tenant_a, limit="seats", used=1)

    body = error.value.as_dict()
    assert body["allowed"] == 1 and body["used"] == 1
    assert body["upgrade_url"].endswith("/pricing/")
    assert error.value.status == 402


def test_a_feature_outside_the_plan_is_not_entitled(plans, tenant_a):
    feature_ensure(tenant=tenant_a, feature="alert_channels", value="email")

    with pytest.raises(NotEntitled):
        feature_ensure(tenant=tenant_a, feature="alert_channels", value="webhook")


def test_the_api_refuses_a_plan_without_api_access_in_words(client, plans, alice, tenant_a):
    _, key = api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)

    response = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {key}"})

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Your Free plan does not include API access. Upgrade to get it."


def test_a_value_outside_the_plan_is_named_in_words(plans, tenant_a):
    with pytest.raises(NotEntitled) as refused:
        feature_ensure(tenant=tenant_a, feature="alert_channels", value="webhook")

    assert refused.value.message == "Your Free plan does not include webhook alerts. Upgrade to get it."


def test_limit_amounts_are_singular_for_one_and_plural_otherwise():
    assert limit_amount(limit="seats", count=1) == "1 seat"
    assert limit_amount(limit="seats", count=2) == "2 seats"
    assert limit_amount(limit="seats", count=0) == "0 seats"
    assert limit_amount(limit="symbols_per_watchlist", count=1) == "1 symbol per watchlist"


def test_every_counted_limit_and_feature_of_a_plan_has_words_for_subscribers():
    not_counted = {"api_requests_per_minute", "api_requests_per_day", "signal_delay_seconds", "engine_cadence_seconds"}
    derived = {"has_api", "shows_live_scores"}  # properties
    by_type = {f.name: f.type for f in fields(Entitlements)}

    assert {name for name, kind in by_type.items() if kind == "int"} - not_counted == set(LIMIT_NOUNS)
    assert {name for name, kind in by_type.items() if kind in ("bool", "frozenset[str]")} | derived \
        == set(FEATURE_LABELS)


def test_catalogue_seed_does_not_overwrite_staff_edits(plans):
    Plan.objects.filter(code="pro").update(seats=42)

    plan_catalogue_seed()

    assert Plan.objects.get(code="pro").seats == 42


def test_pricing_page_lists_the_catalogue(client, plans):
    response = client.get("/pricing/")

    assert response.status_code == 200
    for name in ("Free", "Pro", "Premium"):
        assert name in response.content.decode()


def test_pricing_page_states_delays_and_alert_channels_in_words(client, plans):
    page = client.get("/pricing/").content.decode()

    assert "Signals delayed 1 hour" in page
    assert "3 active alerts (in-app, email)" in page
    assert "in_app" not in page


@pytest.mark.parametrize(("seconds", "words"), [(3600, "1 hour"), (7200, "2 hours"), (900, "15 minutes"),
                                                (60, "1 minute"), (90, "90 seconds"), (1, "1 second")])
def test_a_signal_delay_reads_in_its_largest_whole_unit(seconds, words):
    assert Plan(signal_delay_seconds=seconds).signal_delay_words == words
