from config.sentry import _scrub


def test_sentry_events_are_scrubbed_of_secrets_at_any_depth():
    event = {
        "message": "charge failed with sk_live_abcdef123456",
        "request": {"headers": {"Authorization": "Bearer bk_1234abcd.secretsecretsecretsecret"}},
        "breadcrumbs": [{"message": "password=hunter2hunter2"}],
        "level": 40,
    }

    scrubbed = _scrub(event, {})

    text = str(scrubbed)
    assert "abcdef123456" not in text
    assert "secretsecretsecretsecret" not in text
    assert "hunter2" not in text
    assert scrubbed["level"] == 40
