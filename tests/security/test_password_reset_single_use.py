"""A password-reset link works once: after it has set a password, the same link is refused and cannot
set another (Django's token is an HMAC over the password hash and last login, both changed by its use)."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from accounts.models import User


def _reset_link(client) -> str:
    client.post("/accounts/password-reset/", {"email": "alice@example.com"})
    return re.search(r"http://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[-1].body)[1]


def _set_password(link: str, password: str):
    """Follow `link` in a fresh browser and submit the new password form it leads to."""
    browser = Client()
    form = browser.get(link, follow=True)
    return form, browser.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                              {"new_password1": password, "new_password2": password})


def test_a_reset_link_sets_a_password_once_and_is_refused_after(client, alice):
    link = _reset_link(client)

    _, first = _set_password(link, "first-new-passphrase-1")
    again, second = _set_password(link, "second-new-passphrase-2")

    assert first.status_code == 302
    assert again.context["validlink"] is False
    assert second.status_code == 200 and second.context["validlink"] is False
    assert User.objects.get(pk=alice.pk).check_password("first-new-passphrase-1")


def test_signing_in_after_the_link_was_sent_spends_it(client, alice, password):
    link = _reset_link(client)
    Client().post("/accounts/login/", {"email": "alice@example.com", "password": password})  # last login changes

    form, _ = _set_password(link, "a-late-passphrase-3")

    assert form.context["validlink"] is False
    assert User.objects.get(pk=alice.pk).check_password(password)
