"""What each plan includes, from the plan catalogue; what it does not is shown locked with the plan that
has it, on the pricing and billing pages, never as an error."""

from billing.models import Plan, Subscription
from billing.plan_features import plan_features
from billing.selectors import plan_list_public
from tests.api_v1.conftest import subscribe


def _features(code: str, *, confidence_live: bool = False) -> dict[str, object]:
    plans = list(plan_list_public())
    plan = next(p for p in plans if p.code == code)
    return {f.text: (f.upgrade.code if f.upgrade else None) if not f.included else True
            for f in plan_features(plan, plans=plans, confidence_live=confidence_live)}


def test_free_lacks_the_api_reasoning_real_time_and_more_timeframes_each_with_its_plan(db):
    free = _features("free")

    assert free["Signals delayed 1 hour"] is True and free["3 active alerts (in-app, email)"] is True
    assert (free["REST API"], free["Reasoning and each component's part"], free["Real-time signals"]) == (
        "pro", "pro", "pro")
    assert (free["Timeframes H1, H4"], free["Timeframes M15, W1"]) == ("pro", "premium")
    assert (free["Web push alerts"], free["Webhook alerts"]) == ("pro", "premium")


def test_premium_lacks_nothing(db):
    assert all(value is True for value in _features("premium").values())


def test_no_page_promises_a_confidence_before_a_model_has_earned_it(db):
    assert "No confidence is published: no model has beaten the base rate out of sample" in _features(
        "pro")
    assert "Calibrated confidence, out of sample" in _features("pro", confidence_live=True)


def test_the_upgrade_path_follows_the_catalogue_not_a_plan_name(db):
    Plan.objects.filter(code="pro").update(sort_order=5)  # staff put Premium before Pro

    assert _features("free")["REST API"] == "premium"


def test_the_pricing_page_shows_locked_features_with_their_plan(client, db):
    page = client.get("/pricing/").content.decode()

    assert 'class="locked"' in page and "REST API: in Pro" in page
    assert 'href="/pricing/#plan-pro">See plans</a>' in page


def test_the_billing_page_lists_what_the_plan_includes_and_the_upgrades(client, alice, tenant_a):
    subscribe(tenant_a, "pro")
    client.force_login(alice)

    page = client.get("/billing/").content.decode()

    assert "What Pro includes" in page and "API: 60/min, 10,000/day" in page
    assert 'href="/billing/#plan-premium">Upgrade</a>' in page
    assert "Choose Premium" in page and "Choose Pro" not in page


def test_a_member_who_cannot_manage_billing_sees_the_plans_without_checkout(client, bob):
    client.force_login(bob)

    page = client.get("/billing/").content.decode()

    assert "Choose Pro" not in page and "An owner or admin of" in page and "What Free includes" in page


def test_a_live_subscription_changes_plan_in_the_portal_not_a_second_checkout(client, alice, tenant_a):
    subscribe(tenant_a, "pro")
    Subscription.objects.filter(tenant=tenant_a).update(stripe_subscription_id="sub_live", stripe_customer_id="cus_1")
    client.force_login(alice)

    page = client.get("/billing/").content.decode()

    assert "Switch to Premium in Manage" in page and "/billing/checkout/premium/" not in page
