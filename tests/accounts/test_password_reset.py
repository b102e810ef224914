import re

from django.core import mail

from accounts.models import User


def test_the_reset_link_sets_a_new_password(client, alice):
    client.post("/accounts/password-reset/", {"email": "alice@example.com"})
    link = re.search(r"http://[^/]+(/accounts/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-passphrase-1",
                                                        "new_password2": "brand-new-passphrase-1"})

    assert response.status_code == 302
    assert User.objects.get(pk=alice.pk).check_password("brand-new-passphrase-1")


def test_an_unknown_email_sends_nothing_and_reveals_nothing(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []
