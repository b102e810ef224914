"""An attacker hammering alice's email is stopped, and alice still gets in."""

from accounts.models import AuditEvent
from tests.accounts.conftest import login

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
ALICE_HOME = {"REMOTE_ADDR": "198.51.100.7"}


def test_five_failures_from_one_address_block_that_address_for_that_account(client, alice, password):
    for _ in range(5):
        login(client, "alice@example.com", "guess", **ATTACKER)

    response = login(client, "alice@example.com", password, **ATTACKER)

    assert response.status_code == 429
    assert "Your account is not locked" in response.content.decode()
    assert AuditEvent.objects.filter(action="login.throttled").exists()


def test_the_owner_still_logs_in_from_her_own_address_while_an_attacker_is_blocked(client, alice, password):
    for _ in range(6):
        login(client, "alice@example.com", "guess", **ATTACKER)

    response = login(client, "alice@example.com", password, **ALICE_HOME)

    assert response.status_code == 302 and response["Location"] == "/app/"


def test_a_distributed_attack_cannot_lock_out_a_browser_that_logged_in_before(client, alice, password):
    first = login(client, "alice@example.com", password, **ALICE_HOME)
    assert "beacon_device" in first.cookies
    client.post("/accounts/logout/")  # Beacon's logout, as a browser would; the device cookie stays
    from django.test import Client

    for n in range(50):
        Client().post("/accounts/login/", {"email": "alice@example.com", "password": "guess"},
                      REMOTE_ADDR=f"203.0.113.{n}")

    stranger = Client().post("/accounts/login/", {"email": "alice@example.com", "password": password},
                             REMOTE_ADDR="192.0.2.1")
    trusted = login(client, "alice@example.com", password, REMOTE_ADDR="192.0.2.2")

    assert stranger.status_code == 429
    assert trusted.status_code == 302 and trusted["Location"] == "/app/"


def test_many_attempts_from_one_address_across_accounts_are_limited(client, db):
    for n in range(30):
        login(client, f"user{n}@example.com", "guess", **ATTACKER)

    response = login(client, "someone@example.com", "guess", **ATTACKER)

    assert response.status_code == 429


def test_behind_a_proxy_the_configured_header_names_the_client(client, alice, settings):
    from accounts.models import AuditEvent

    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    for _ in range(5):
        login(client, "alice@example.com", "guess", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")

    other_client = login(client, "alice@example.com", "guess", REMOTE_ADDR="10.0.0.1",
                         HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert other_client.status_code == 200  # a different client behind the same proxy is not blocked
    assert AuditEvent.objects.filter(action="login.failed", ip_address="203.0.113.66").count() == 5
