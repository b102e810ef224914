from django.core.management import call_command

from accounts.models import Membership, User
from billing.models import Plan


def test_seed_demo_creates_plans_and_a_demo_owner_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    demo = User.objects.get(email="demo@beacon.local")
    assert demo.check_password("beacon-demo-password")
    assert Membership.objects.filter(user=demo, role="owner").count() == 1
    assert set(Plan.objects.values_list("code", flat=True)) == {"free", "pro", "premium"}
    assert "Demo login: demo@beacon.local" in capsys.readouterr().out
