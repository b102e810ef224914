"""The session key changes whenever the session gains privilege: at login with a password, at the second
factor's verification, and when a member enrols an authenticator (the session then counts as verified).
A session id planted or seen before (session fixation) is then worth nothing: the old key is gone."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.conftest import login, totp_code


def _session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _planted_session(client) -> str:
    """A session an attacker made and slipped into the browser before the member signs in."""
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    return planted.session_key


def test_login_with_a_password_gives_a_new_session_key(client, alice, password):
    planted = _planted_session(client)

    response = login(client, "alice@example.com", password)

    assert response.status_code == 302
    assert _session_key(client) != planted
    assert not SessionStore().exists(planted)
    assert client.get("/app/").status_code == 200


def test_the_second_factor_gives_a_new_session_key(client, alice, password):
    device = TOTPDevice.objects.create(user=alice, name="app", confirmed=True)
    login(client, "alice@example.com", password)
    pending = _session_key(client)  # the half-way session: password given, code not yet

    response = client.post("/accounts/login/verify/", {"code": totp_code(device)})

    assert response.status_code == 302
    assert _session_key(client) != pending
    assert not SessionStore().exists(pending)
    assert client.get("/app/").status_code == 200


def test_enrolling_an_authenticator_gives_a_new_session_key(alice_client, alice):
    alice_client.get("/accounts/settings/2fa/setup/")
    before = _session_key(alice_client)
    device = TOTPDevice.objects.get(user=alice, confirmed=False)

    response = alice_client.post("/accounts/settings/2fa/setup/", {"code": totp_code(device)})

    assert response.status_code == 200 and TOTPDevice.objects.get(pk=device.pk).confirmed
    assert _session_key(alice_client) != before
    assert not SessionStore().exists(before)
    assert alice_client.get("/app/").status_code == 200  # still signed in, with the new key


def test_logging_out_ends_the_session_on_the_server(alice_client):
    key = _session_key(alice_client)

    alice_client.post("/accounts/logout/")

    assert not SessionStore().exists(key)
    assert alice_client.get("/app/").status_code == 302  # to the login page
