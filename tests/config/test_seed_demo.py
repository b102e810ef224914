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
    output = capsys.readouterr().out
    assert "Demo login: demo@beacon.local" in output
    operator = User.objects.get(email="admin@beacon.local")
    assert operator.is_staff and operator.totpdevice_set.filter(confirmed=True).count() == 1
    assert "set up with the key " in output
