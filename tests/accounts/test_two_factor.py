import re

from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from tests.accounts.conftest import login, totp_code


def test_enrolment_shows_a_qr_code_and_confirming_it_gives_ten_backup_codes_once(alice_client, alice):
    page = alice_client.get("/accounts/settings/2fa/setup/").content.decode()
    assert "data:image/svg+xml;base64," in page
    device = TOTPDevice.objects.get(user=alice, confirmed=False)

    response = alice_client.post("/accounts/settings/2fa/setup/", {"code": totp_code(device)})

    codes = re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action="2fa.enabled", actor=alice).exists()
    assert "Save these now" not in alice_client.get("/accounts/settings/2fa/").content.decode()


def test_a_wrong_enrolment_code_leaves_two_factor_off(alice_client, alice):
    alice_client.get("/accounts/settings/2fa/setup/")
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    wrong = "123456" if totp_code(device) != "123456" else "654321"

    response = alice_client.post("/accounts/settings/2fa/setup/", {"code": wrong})

    assert "Wrong or expired code" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=True).exists()


def test_a_backup_code_logs_in_once_only(client, alice, alice_totp, password):
    from accounts.two_factor import backup_codes_regenerate

    code = backup_codes_regenerate(user=alice)[0]
    login(client, "alice@example.com", password)
    first = client.post("/accounts/login/verify/", {"code": code})
    client.logout()
    login(client, "alice@example.com", password)
    second = client.post("/accounts/login/verify/", {"code": code})

    assert first.status_code == 302
    assert second.status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()


def test_disabling_needs_the_password_and_is_audited(alice_client, alice, alice_totp, password):
    alice_client.post("/accounts/settings/2fa/disable/", {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=alice).exists()

    alice_client.post("/accounts/settings/2fa/disable/", {"password": password})

    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(action="2fa.disabled", actor=alice).exists()


def test_a_session_cannot_add_a_second_authenticator_while_two_factor_is_on(alice_client, alice, alice_totp):
    response = alice_client.get("/accounts/settings/2fa/setup/", follow=True)

    assert "already on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_new_backup_codes_need_a_session_verified_by_the_second_factor(alice_client, alice, alice_totp):
    from django_otp.plugins.otp_static.models import StaticDevice

    response = alice_client.post("/accounts/settings/2fa/backup-codes/", follow=True)

    assert "Log in with your second factor" in response.content.decode()
    assert not StaticDevice.objects.filter(user=alice).exists()
