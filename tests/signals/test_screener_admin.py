"""Staff see the engine's state of each pair in the admin, read-only."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from signals.models import ScreenerRow
from signals.scheduling import engine_run_start
from tests.accounts.conftest import totp_code
from tests.signals.conftest import NOW


def test_staff_see_each_pairs_state_in_the_admin_and_cannot_change_it(market, client,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)
    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})

    listing = client.get("/admin/signals/screenerrow/")
    ranging = client.get("/admin/signals/screenerrow/?regime=ranging")

    assert listing.status_code == 200
    page = listing.content.decode()
    for row in ScreenerRow.objects.select_related("instrument"):
        assert f"{row.instrument.symbol}" in page and f"{row.change_pct:+.2f}%" in page and str(row.score) in page
    assert ranging.status_code == 200 and ranging.context["cl"].result_count == \
        ScreenerRow.objects.filter(regime="ranging").count()
    row = ScreenerRow.objects.first()
    before = ScreenerRow.objects.values().get(pk=row.pk)
    client.post(f"/admin/signals/screenerrow/{row.pk}/change/", {"score": "0.99", "leaning": "long"})
    assert client.get("/admin/signals/screenerrow/add/").status_code == 403
    assert client.post(f"/admin/signals/screenerrow/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ScreenerRow.objects.values().get(pk=row.pk) == before
