from accounts.models import AuditEvent
from tests.accounts.conftest import login, totp_code


def test_login_without_two_factor_goes_to_the_dashboard_and_is_audited(client, alice, password):
    response = login(client, "alice@example.com", password)

    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    assert AuditEvent.objects.filter(action="login.succeeded", actor=alice).exists()


def test_a_wrong_password_is_refused_with_a_message_and_audited(client, alice):
    response = login(client, "alice@example.com", "wrong-password")

    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert client.get("/app/").status_code == 302
    assert AuditEvent.objects.filter(action="login.failed", actor=alice).exists()


def test_login_with_two_factor_asks_for_the_code_before_logging_in(client, alice, alice_totp, password):
    response = login(client, "alice@example.com", password)

    assert response["Location"] == "/accounts/login/verify/"
    assert client.get("/app/").status_code == 302  # not logged in yet

    response = client.post("/accounts/login/verify/", {"code": totp_code(alice_totp)})

    assert response.status_code == 302 and response["Location"] == "/app/"
    assert client.get("/app/").status_code == 200
    assert AuditEvent.objects.get(action="login.succeeded", actor=alice).details["method"] == "totp"


def test_a_wrong_two_factor_code_is_refused(client, alice, alice_totp, password):
    login(client, "alice@example.com", password)

    wrong_code = "000000" if totp_code(alice_totp) != "000000" else "111111"
    response = client.post("/accounts/login/verify/", {"code": wrong_code})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/app/").status_code == 302
    assert AuditEvent.objects.filter(action="login.2fa_failed", actor=alice).exists()


def test_the_code_step_without_a_password_step_goes_back_to_login(client, alice, alice_totp):
    response = client.post("/accounts/login/verify/", {"code": totp_code(alice_totp)})

    assert response["Location"] == "/accounts/login/"


def test_next_is_honoured_only_for_this_site(client, alice, password):
    ok = client.post("/accounts/login/?next=/accounts/team/", {"email": "alice@example.com", "password": password,
                                                              "next": "/accounts/team/"})
    client.logout()
    evil = client.post("/accounts/login/", {"email": "alice@example.com", "password": password,
                                            "next": "https://evil.example/"})

    assert ok["Location"] == "/accounts/team/"
    assert evil["Location"] == "/app/"
