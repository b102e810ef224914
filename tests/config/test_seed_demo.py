import re

from django.core.management import call_command
from django.test import override_settings

from accounts.models import ApiKey, Membership, User
from billing.entitlements import tenant_entitlements
from billing.models import Plan, Subscription

KEY_LINE = re.compile(r"Demo API key \(read\): (bk_\S+)")
FEED_COMMAND = ".venv/bin/python manage.py feed --key {key} --state-file var/feed.state"


def test_seed_demo_creates_plans_and_a_demo_owner_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    demo = User.objects.get(email="demo@beacon.local")
    assert demo.check_password("beacon-demo-password")
    assert Membership.objects.filter(user=demo, role="owner").count() == 1
    assert set(Plan.objects.values_list("code", flat=True)) == {"free", "pro", "premium"}
    output = capsys.readouterr().out
    assert "Demo login: demo@beacon.local" in output
    operator = User.objects.get(email="admin@beacon.local")
    assert operator.is_staff and operator.totpdevice_set.filter(confirmed=True).count() == 1
    assert "set up with the key " in output


def test_the_demo_organisation_sees_signals_live_with_api_access_granted_without_stripe(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    tenant = Membership.objects.get(user__email="demo@beacon.local").tenant
    subscription = Subscription.objects.get(tenant=tenant)
    assert subscription.plan.code == "pro" and subscription.status == "active"
    assert subscription.stripe_customer_id == subscription.stripe_subscription_id == ""
    entitlements = tenant_entitlements(tenant=tenant)
    assert entitlements.signal_delay_seconds == 0 and entitlements.has_api
    assert "on Pro granted by the operator" in capsys.readouterr().out


def test_each_run_prints_the_same_working_demo_key_and_the_feed_command(db, client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    key = KEY_LINE.search(first).group(1)
    assert KEY_LINE.search(second).group(1) == key
    assert FEED_COMMAND.format(key=key) in first and FEED_COMMAND.format(key=key) in second
    assert ApiKey.objects.filter(name="Demo live feed").count() == 1  # created once, never stored in the clear
    assert not ApiKey.objects.filter(key_hash__contains=key.split(".")[1]).exists()
    response = client.get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content


def test_a_new_secret_key_revokes_the_old_demo_key_and_prints_a_new_one(db, client, capsys):
    call_command("seed_demo")
    old = KEY_LINE.search(capsys.readouterr().out).group(1)
    with override_settings(SECRET_KEY="another-secret-for-this-test"):
        call_command("seed_demo")
        new = KEY_LINE.search(capsys.readouterr().out).group(1)

    assert new != old
    assert client.get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Bearer {new}").status_code == 200


def test_a_revoked_demo_key_stays_revoked_and_the_seed_says_so(db, client, capsys):
    call_command("seed_demo")
    key = KEY_LINE.search(capsys.readouterr().out).group(1)
    ApiKey.objects.filter(name="Demo live feed").update(revoked_at="2026-01-01T00:00:00Z")
    call_command("seed_demo")
    output = capsys.readouterr().out

    assert KEY_LINE.search(output) is None and "was revoked" in output
    assert ApiKey.objects.get(name="Demo live feed").revoked_at is not None
    assert client.get("/api/v1/signals/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_demo_that_pays_through_stripe_keeps_its_plan_and_still_gets_its_key(db, capsys):
    call_command("seed_demo")
    capsys.readouterr()
    tenant = Membership.objects.get(user__email="demo@beacon.local").tenant
    Subscription.objects.filter(tenant=tenant).update(plan=Plan.objects.get(code="premium"),
                                                      stripe_customer_id="cus_1", stripe_subscription_id="sub_1")
    call_command("seed_demo")
    output = capsys.readouterr().out

    assert Subscription.objects.get(tenant=tenant).plan.code == "premium"
    assert "on Premium through Stripe" in output and KEY_LINE.search(output)
