"""A read-only API key reads; only a key with the write scope writes. The website's session is not key-scoped."""

import pytest
from django.test import Client

from accounts.models import AuditEvent

pytestmark = pytest.mark.urls("tests.api.probe_urls")


def _written() -> int:
    return AuditEvent.objects.filter(action="probe.written").count()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_key_cannot_write_and_is_told_why(client, tenant_a, key_headers_for, method):
    response = getattr(client, method)("/api/v1/probe/", {}, content_type="application/json",
                                       headers=key_headers_for(tenant_a, scope="read"))

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "read_only_key"
    assert error["message"].startswith("This API key is read-only.")
    assert _written() == 0


def test_a_read_key_reads(client, tenant_a, key_headers_for):
    response = client.get("/api/v1/probe/", headers=key_headers_for(tenant_a, scope="read"))

    assert response.status_code == 200


def test_a_write_key_writes(client, tenant_a, key_headers_for):
    response = client.post("/api/v1/probe/", {}, content_type="application/json",
                           headers=key_headers_for(tenant_a, scope="write"))

    assert response.status_code == 200
    assert _written() == 1


def test_a_read_key_asking_an_endpoint_for_a_method_it_lacks_gets_405_not_a_scope_error(client, tenant_a,
                                                                                        key_headers_for):
    response = client.post("/api/v1/me/", {}, content_type="application/json",
                           headers=key_headers_for(tenant_a, scope="read"))

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_members_session_is_not_key_scoped(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    client.get("/app/")

    response = client.post("/api/v1/probe/", {}, content_type="application/json",
                           headers={"X-CSRFToken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert _written() == 1
