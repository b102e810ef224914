from accounts.models import AuditEvent, User


def test_profile_saves_name_and_time_zone(alice_client, alice):
    alice_client.post("/accounts/settings/profile/", {"full_name": "Alice A.", "time_zone": "Europe/London"})

    alice.refresh_from_db()
    assert (alice.full_name, alice.time_zone) == ("Alice A.", "Europe/London")


def test_an_unknown_time_zone_names_the_field_and_saves_nothing(alice_client, alice):
    response = alice_client.post("/accounts/settings/profile/", {"full_name": "X", "time_zone": "Mars/Olympus"})

    assert "&#x27;Mars/Olympus&#x27; is not a time zone." in response.content.decode()
    assert User.objects.get(pk=alice.pk).time_zone == "UTC"


def test_changing_the_password_is_audited(alice_client, alice, password):
    alice_client.post("/accounts/settings/password/", {
        "old_password": password, "new_password1": "another-passphrase-42", "new_password2": "another-passphrase-42",
    })

    assert User.objects.get(pk=alice.pk).check_password("another-passphrase-42")
    assert AuditEvent.objects.filter(action="password.changed", actor=alice).exists()
