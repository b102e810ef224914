from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.two_factor import backup_codes_regenerate
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


def _admin_login(client, password, code):
    return client.post("/admin/login/?next=/admin/", {"username": "ops@example.com", "password": password,
                                                      "otp_token": code})


def test_staff_log_in_on_the_admin_page_with_the_authenticator_code_in_one_step(client, db, password):
    staff = _staff(db, password)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    backup_codes = backup_codes_regenerate(user=staff)  # a second device: nothing to pick even so

    response = _admin_login(client, password, totp_code(device))

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    client.logout()
    assert _admin_login(client, password, backup_codes[0]).status_code == 302


def test_a_wrong_admin_code_is_refused_with_a_message_and_no_session(client, db, password):
    staff = _staff(db, password)
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)

    response = _admin_login(client, password, "000000")

    assert response.status_code == 200
    assert "Invalid token" in response.content.decode()
    assert client.get("/admin/").status_code == 302
