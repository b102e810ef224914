"""An API key and the website's session both authenticate the API, and both say which tenant acts."""

import pytest
from django.test import Client

from accounts.models import AuditEvent, Membership

pytestmark = pytest.mark.urls("tests.api.probe_urls")


def _session_client(user, *, enforce_csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    client.get("/app/")  # a website page, which hands out the CSRF cookie
    return client


def test_an_api_key_acts_for_its_tenant(client, tenant_a, key_headers_for):
    response = client.get("/api/v1/probe/", headers=key_headers_for(tenant_a))

    assert response.status_code == 200
    assert response.json() == {"tenant": "alpha", "through": "key", "membership": None, "writes": 0}


def test_the_websites_session_acts_for_the_members_active_tenant(alice, tenant_a):
    client = _session_client(alice, enforce_csrf=True)

    response = client.get("/api/v1/probe/")

    assert response.status_code == 200
    assert response.json() == {"tenant": "alpha", "through": "session",
                               "membership": Membership.objects.get(user=alice).pk, "writes": 0}


def test_a_key_sent_with_someone_elses_session_acts_for_the_keys_tenant_only(tenant_b, alice, key_headers_for):
    client = _session_client(alice, enforce_csrf=True)

    response = client.get("/api/v1/probe/", headers=key_headers_for(tenant_b))

    assert response.json() == {"tenant": "bravo", "through": "key", "membership": None, "writes": 0}


def test_a_session_write_without_the_csrf_token_is_refused_and_writes_nothing(alice):
    client = _session_client(alice, enforce_csrf=True)

    response = client.post("/api/v1/probe/", {}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    assert not AuditEvent.objects.filter(action="probe.written").exists()


def test_a_session_write_with_the_csrf_token_passes(alice):
    client = _session_client(alice, enforce_csrf=True)

    response = client.post("/api/v1/probe/", {}, content_type="application/json",
                           headers={"X-CSRFToken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert response.json()["writes"] == 1


def test_a_key_needs_no_csrf_token_to_write(tenant_a, key_headers_for):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/api/v1/probe/", {}, content_type="application/json",
                           headers=key_headers_for(tenant_a, scope="write"))

    assert response.status_code == 200 and response.json()["writes"] == 1


def test_a_signed_in_user_without_a_team_is_refused(alice):
    Membership.objects.filter(user=alice).delete()
    client = _session_client(alice, enforce_csrf=True)

    response = client.get("/api/v1/probe/")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "You are not a member of any team; join or create one first."


def test_without_a_key_or_a_session_the_api_answers_401_asking_for_the_key(client, db):
    response = client.get("/api/v1/probe/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_me_through_the_website_names_the_tenant_and_no_key(alice):
    client = _session_client(alice, enforce_csrf=True)

    assert client.get("/api/v1/me/").json() == {"tenant": "Alpha Capital", "key_prefix": None, "scope": None}
