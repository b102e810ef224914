import re

import time_machine
from django.core import mail
from django.utils import timezone

from accounts import services
from accounts.models import User


def _link(body: str) -> str:
    return re.search(r"http://[^\s]+(/accounts/verify/[^\s]+/)", body).group(1)


def test_the_emailed_link_verifies_the_address(client, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {"email": "dana@example.com", "password": "a-long-passphrase-77"})

    response = client.get(_link(mail.outbox[0].body))

    assert response.status_code == 200
    assert User.objects.get(email="dana@example.com").email_verified_at is not None


def test_an_expired_link_says_it_expired_and_verifies_nothing(client, alice):
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    token = services.email_verification_token(user=alice)

    with time_machine.travel(timezone.now() + timezone.timedelta(days=4)):
        response = client.get(f"/accounts/verify/{token}/")

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert User.objects.get(pk=alice.pk).email_verified_at is None


def test_a_tampered_link_is_refused(client, alice):
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    token = services.email_verification_token(user=alice)

    response = client.get(f"/accounts/verify/{token[:-2]}xx/")

    assert response.status_code == 400
    assert User.objects.get(pk=alice.pk).email_verified_at is None


def test_an_unverified_user_can_ask_for_a_new_link(client, alice, django_capture_on_commit_callbacks):
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    client.force_login(alice)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/verify-resend/")

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
