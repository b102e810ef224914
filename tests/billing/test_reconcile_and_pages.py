import stripe
from django.core.management import call_command

from billing.entitlements import tenant_entitlements
from billing.models import Subscription
from tests.billing.conftest import event, post_event, stripe_customer_with_card


def test_reconcile_fixes_drift_from_a_missed_webhook_and_reports_it(client, stripe_server, tenant_a, capsys):
    customer = stripe_customer_with_card(tenant=tenant_a)
    remote = stripe.Subscription.create(customer=customer, items=[{"plan": "price_pro_monthly"}]).to_dict()
    post_event(client, event("customer.subscription.created", remote))
    stripe.Subscription.cancel(remote["id"])  # the deleted webhook never arrives

    call_command("billing_reconcile")

    assert "Alpha Capital: " in capsys.readouterr().out
    assert Subscription.objects.get(tenant=tenant_a).status == "canceled"
    assert tenant_entitlements(tenant=tenant_a).plan_code == "free"


def test_the_billing_page_shows_plan_status_renewal_and_invoices_from_stripe(alice_client, client, stripe_server,
                                                                            tenant_a):
    customer = stripe_customer_with_card(tenant=tenant_a)
    remote = stripe.Subscription.create(customer=customer, items=[{"plan": "price_pro_monthly"}]).to_dict()
    post_event(client, event("customer.subscription.created", remote))

    page = alice_client.get("/billing/").content.decode()

    assert "<strong>Pro</strong>" in page and "Renews on" in page
    assert "49.00 USD" in page and "paid" in page


def test_the_usage_page_shows_todays_counts_against_the_plan(alice_client, tenant_a):
    from billing.usage import usage_increment

    usage_increment(tenant=tenant_a, metric="backtests", by=2)

    page = alice_client.get("/billing/usage/").content.decode()

    assert "<td>Backtests</td><td>2</td><td>3 a day</td>" in page
    assert "no API access" in page


def test_a_team_over_its_seats_after_a_downgrade_keeps_everyone_and_is_told(alice_client, alice, bob, tenant_a):
    # Free has 1 seat; alice and bob are both members.
    page = alice_client.get("/accounts/team/").content.decode()

    assert "Nobody was removed; new invitations wait" in page
    assert "bob@example.com" in page
