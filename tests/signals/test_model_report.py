"""The model report (a command and an admin page): every version's out-of-sample figures beside the
base rate, which one is active and why; and the activation rule applied to stored versions."""

from io import StringIO

from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from signals.confidence import model_activate
from signals.models import ModelKind, ModelVersion
from signals.services import strategy_default_ensure
from tests.accounts.conftest import totp_code
from tests.signals.conftest import NOW


def _version(version, bss, low, high, *, kind=ModelKind.EMPIRICAL_BAYES, active=False):
    return ModelVersion.objects.create(
        strategy=strategy_default_ensure(), version=version, kind=kind, algorithm=f"algo {version}",
        trained_from=NOW, trained_to=NOW, oos_samples=2500, oos_brier=0.25 * (1 - bss), oos_log_loss=0.69,
        base_rate=0.531, oos_bss=bss, oos_bss_low=low, oos_bss_high=high,
        baselines={"constant_base_rate_brier": 0.25, "constant_base_rate_log_loss": 0.6973, "samples": 3000},
        group_figures=[{"group": "forex H1", "count": 2060, "hit_rate": 0.5083, "brier": 0.2587,
                        "baseline_brier": 0.2531, "bss": -0.0222}],
        calibration_table=[{"band": "0.5-0.6", "count": 2500, "predicted": 0.53, "realised": 0.531}],
        artifact=b"{}", is_active=active)


def test_activation_picks_the_best_proven_version_and_keeps_it_over_weaker_retrainings(db):
    first = _version(1, 0.03, 0.01, 0.05)
    assert model_activate(strategy=first.strategy) == first

    _version(2, -0.02, -0.05, 0.01)  # a retraining that lost skill
    _version(3, 0.05, -0.01, 0.10)  # more skill, but not proven
    model_activate(strategy=first.strategy)
    assert list(ModelVersion.objects.filter(is_active=True)) == [first]

    better = _version(4, 0.04, 0.02, 0.06)
    model_activate(strategy=first.strategy)
    assert list(ModelVersion.objects.filter(is_active=True)) == [better]


def test_without_proven_skill_no_version_is_active(db):
    legacy = _version(1, -0.0182, -0.0493, 0.0081, active=True)

    assert model_activate(strategy=legacy.strategy) is None
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_the_report_command_shows_every_version_beside_the_base_rate_and_which_is_active_and_why(db):
    _version(1, -0.0182, -0.0493, 0.0081)
    _version(2, 0.04, 0.02, 0.06, kind=ModelKind.CLASSIFIER)
    model_activate(strategy=strategy_default_ensure())
    out = StringIO()

    call_command("model_report", stdout=out)

    text = out.getvalue()
    assert "Signals carry the confidence of model v2 (Calibrated classifier)" in text
    assert "v2 Calibrated classifier [ACTIVE]" in text and "v1 Empirical-Bayes cell hit rate:" in text
    assert "skill score -0.0182 (95% -0.0493 to +0.0081)" in text
    assert "vs base rate 0.2500" in text and "log loss 0.6900 vs base rate 0.6973" in text
    assert "no better than the base rate out of sample, so not used" in text
    assert "forex H1" in text and "calibration 0.5-0.6" in text


def test_the_report_says_signals_carry_no_confidence_when_nothing_has_skill(db):
    _version(1, -0.0182, -0.0493, 0.0081)
    out = StringIO()

    call_command("model_report", stdout=out)

    assert "Signals carry no confidence: no model has beaten the base rate" in out.getvalue()
    assert "[ACTIVE]" not in out.getvalue()


def test_staff_see_the_model_report_in_the_admin(db, client):
    _version(1, -0.0182, -0.0493, 0.0081)
    active = _version(2, 0.04, 0.02, 0.06)
    model_activate(strategy=active.strategy)
    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})

    listing = client.get("/admin/signals/modelversion/").content.decode()
    detail = client.get(f"/admin/signals/modelversion/{active.pk}/change/").content.decode()

    assert "-0.0182 (-0.0493 to +0.0081)" in listing and "+0.0400 (+0.0200 to +0.0600)" in listing
    assert "0.6973" in listing and "Active. BSS +0.0400" in listing and "so not used" in listing
    assert "<td>forex H1</td>" in detail and "<td>0.5-0.6</td>" in detail
