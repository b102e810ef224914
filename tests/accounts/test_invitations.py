import re

import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership, Role, User
from billing.models import Plan, Subscription


def _invite(client, email="dan@example.com", role="member", capture=None):
    return client.post("/accounts/team/invitations/", {"email": email, "role": role}, follow=True)


def _token(body: str) -> str:
    return re.search(r"/accounts/invite/([^/\s]+)/", body).group(1)


def _on_pro(tenant):
    Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code="pro"), status="active")


def test_an_owner_invites_by_email_and_the_token_is_stored_only_as_a_hash(
        alice_client, tenant_a, django_capture_on_commit_callbacks):
    _on_pro(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(alice_client)

    invitation = Invitation.objects.get(email="dan@example.com")
    token = _token(mail.outbox[0].body)
    assert invitation.token_hash != token and len(invitation.token_hash) == 64
    assert invitation.expires_at > timezone.now() + timezone.timedelta(days=6)
    assert AuditEvent.objects.filter(action="invitation.created").exists()


def test_an_existing_user_accepts_and_joins_with_the_role(client, alice, charlie, tenant_a,
                                                          django_capture_on_commit_callbacks):
    _on_pro(tenant_a)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, email="charlie@example.com", role="admin")
    token = _token(mail.outbox[0].body)
    client.force_login(charlie)

    response = client.post(f"/accounts/invite/{token}/")

    assert response.status_code == 302
    assert Membership.objects.get(user=charlie, tenant=tenant_a).role == Role.ADMIN
    assert Invitation.objects.get(email="charlie@example.com").accepted_at is not None


def test_a_new_person_signs_up_then_accepts(client, alice, tenant_a, django_capture_on_commit_callbacks):
    _on_pro(tenant_a)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client)
    token = _token(mail.outbox[0].body)
    client.logout()

    page = client.get(f"/accounts/invite/{token}/")
    assert "Create an account" in page.content.decode()
    client.post("/accounts/signup/", {"email": "dan@example.com", "password": "a-long-passphrase-77"})
    client.post(f"/accounts/invite/{token}/")

    dan = User.objects.get(email="dan@example.com")
    assert Membership.objects.filter(user=dan, tenant=tenant_a, role=Role.MEMBER).exists()
    assert dan.email_verified_at is not None


def test_the_wrong_account_cannot_accept_someone_elses_invitation(client, alice, charlie, tenant_a):
    _on_pro(tenant_a)
    from accounts import services

    _, token = services.invitation_create(actor_membership=Membership.objects.get(user=alice), email="dan@example.com",
                                          role="member")
    client.force_login(charlie)

    response = client.post(f"/accounts/invite/{token}/")

    assert response.status_code == 400
    assert "is for dan@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, tenant=tenant_a).exists()


def test_expired_revoked_and_used_invitations_say_why(client, alice, charlie, tenant_a):
    _on_pro(tenant_a)
    from accounts import services

    owner = Membership.objects.get(user=alice)
    _, expired = services.invitation_create(actor_membership=owner, email="x@example.com", role="member")
    with time_machine.travel(timezone.now() + timezone.timedelta(days=8)):
        assert "expired" in client.get(f"/accounts/invite/{expired}/").content.decode()
    invitation, revoked = services.invitation_create(actor_membership=owner, email="y@example.com", role="member")
    client.force_login(alice)
    client.post(f"/accounts/team/invitations/{invitation.pk}/revoke/")
    assert "withdrawn" in client.get(f"/accounts/invite/{revoked}/").content.decode()
    _, used = services.invitation_create(actor_membership=owner, email="charlie@example.com", role="member")
    client.force_login(charlie)
    client.post(f"/accounts/invite/{used}/")
    assert "already been used" in client.get(f"/accounts/invite/{used}/").content.decode()


def test_inviting_beyond_the_plans_seats_is_refused_with_the_limit_and_nothing_is_written(alice_client, tenant_a):
    # Free has 1 seat and alice uses it.
    response = _invite(alice_client)

    assert "Your Free plan allows 1 seat; you use 1. Upgrade for more." in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_pending_invitations_count_against_the_seats(alice_client, tenant_a):
    _on_pro(tenant_a)  # 3 seats
    _invite(alice_client, email="one@example.com")
    _invite(alice_client, email="two@example.com")

    response = _invite(alice_client, email="three@example.com")

    assert "allows 3 seats; you use 3" in response.content.decode()
    assert Invitation.objects.count() == 2


def test_bob_a_member_cannot_invite(client, bob, tenant_a):
    _on_pro(tenant_a)
    client.force_login(bob)

    response = _invite(client)

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_invitation_email_names_the_role_and_a_bad_address_is_refused_in_words(
        alice_client, tenant_a, django_capture_on_commit_callbacks):
    _on_pro(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        _invite(alice_client, role="admin")
    refused = _invite(alice_client, email="not-an-address")

    assert "on Beacon with the Admin role." in mail.outbox[0].body
    assert [str(m) for m in refused.context["messages"]] == ["Enter a valid email address."]
    assert Invitation.objects.count() == 1
