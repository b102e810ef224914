import re

from accounts.models import ApiKey, AuditEvent


def _create(client, name="trading bot", scope="read"):
    response = client.post("/accounts/team/api-keys/", {"name": name, "scope": scope})
    match = re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode())
    return response, match.group(1) if match else None


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(alice_client):
    response, plaintext = _create(alice_client)

    key = ApiKey.objects.get()
    assert plaintext.startswith(key.prefix + ".")
    assert key.key_hash != plaintext and plaintext not in key.key_hash
    assert response["Cache-Control"] == "no-store"
    assert plaintext not in alice_client.get("/accounts/team/api-keys/").content.decode()
    assert AuditEvent.objects.filter(action="api_key.created").exists()


def test_the_key_authenticates_the_api_and_records_its_last_use(alice_client, client, tenant_a):
    from billing.models import Plan, Subscription

    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status="active")
    _, plaintext = _create(alice_client, scope="write")

    response = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {plaintext}"})

    assert response.status_code == 200
    assert response.json() == {"tenant": "Alpha Capital", "key_prefix": plaintext.split(".")[0], "scope": "write"}
    assert ApiKey.objects.get().last_used_at is not None


def test_a_revoked_key_is_refused_with_a_clear_error(alice_client, client):
    _, plaintext = _create(alice_client)
    key = ApiKey.objects.get()

    alice_client.post(f"/accounts/team/api-keys/{key.pk}/revoke/")
    response = client.get("/api/v1/me/", headers={"Authorization": f"Bearer {plaintext}"})

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key."
    assert AuditEvent.objects.filter(action="api_key.revoked").exists()


def test_a_malformed_authorization_header_says_how_to_send_the_key(client, db):
    response = client.get("/api/v1/me/", headers={"Authorization": "Token abc"})

    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]


def test_no_key_is_401(client, db):
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_bob_a_member_cannot_create_or_revoke_keys(client, alice_client, bob):
    _create(alice_client)
    key = ApiKey.objects.get()
    client.force_login(bob)

    create = client.post("/accounts/team/api-keys/", {"name": "bob", "scope": "write"})
    revoke = client.post(f"/accounts/team/api-keys/{key.pk}/revoke/")

    assert create.status_code == 403 and revoke.status_code == 403
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None


def test_a_key_without_a_name_is_refused(alice_client):
    response, plaintext = _create(alice_client, name="  ")

    assert plaintext is None
    assert "This field is required" in response.content.decode()
    assert not ApiKey.objects.exists()
