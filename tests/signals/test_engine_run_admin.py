"""Staff see the engine's runs and each signal with its fields in the admin."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from signals.models import Signal
from signals.scheduling import engine_run_start
from tests.accounts.conftest import totp_code
from tests.signals.conftest import NOW


def test_staff_see_the_runs_and_each_signal_with_its_fields_in_the_admin(market, client,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)
    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})

    for model in ("signal", "signaloutcome", "signalpublication", "ledgerentry", "enginerun", "modelversion",
                  "strategy"):
        assert client.get(f"/admin/signals/{model}/").status_code == 200, model
    runs = client.get("/admin/signals/enginerun/").content.decode()
    assert "Tier schedule" in runs
    signal = Signal.objects.get(instrument__symbol="EURUSD")
    page = client.get(f"/admin/signals/signal/{signal.pk}/change/").content.decode()
    for value in (signal.entry, signal.stop, signal.target_1, signal.target_3, signal.risk_reward):
        assert str(value) in page
    assert signal.reasoning.split(",")[0][:20] in page and signal.regime in page
