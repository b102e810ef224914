from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.accounts.conftest import login, totp_code


def _staff(db, password):
    return User.objects.create_superuser(email="ops@example.com", password=password)


def test_staff_logged_in_with_password_only_cannot_open_the_admin(client, db, password):
    _staff(db, password)
    login(client, "ops@example.com", password)

    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_verified_with_a_second_factor_opens_the_admin(client, db, password):
    staff = _staff(db, password)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    login(client, "ops@example.com", password)
    client.post("/accounts/login/verify/", {"code": totp_code(device)})

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "Site administration" in response.content.decode()
