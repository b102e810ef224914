from django.core import mail

from accounts.models import AuditEvent, Membership, Role, Tenant, User


def test_signup_creates_the_user_their_tenant_as_owner_and_sends_verification(
        client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {
            "email": "Dana@Example.com", "full_name": "Dana", "organisation": "Dana Fund",
            "password": "a-long-passphrase-77",
        })

    assert response.status_code == 302 and response["Location"] == "/app/"
    user = User.objects.get(email="dana@example.com")
    assert user.check_password("a-long-passphrase-77")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER and membership.tenant.name == "Dana Fund"
    assert user.email_verified_at is None
    assert len(mail.outbox) == 1 and "/accounts/verify/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="user.signed_up", actor=user).exists()


def test_signup_with_a_taken_email_says_so_and_creates_nothing(client, alice):
    tenants = Tenant.objects.count()

    response = client.post("/accounts/signup/", {"email": "ALICE@example.com", "password": "a-long-passphrase-77"})

    assert response.status_code == 200
    assert "Already registered." in response.content.decode()
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    assert Tenant.objects.count() == tenants


def test_signup_with_a_weak_password_names_the_field(client, db):
    response = client.post("/accounts/signup/", {"email": "eve@example.com", "password": "12345"})

    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(email="eve@example.com").exists()


def test_signup_is_rate_limited_per_ip_with_a_clear_message(client, db):
    for n in range(10):
        client.post("/accounts/signup/", {"email": f"bot{n}@example.com", "password": "x"})

    response = client.post("/accounts/signup/", {"email": "bot99@example.com", "password": "a-long-passphrase-77"})

    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()
    assert not User.objects.filter(email="bot99@example.com").exists()
