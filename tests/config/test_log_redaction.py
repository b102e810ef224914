import io
import logging

import pytest

from accounts import services
from config.logging import RedactSecretsFilter, redact


@pytest.fixture
def configured_log():
    """The stream of the console handler configured in settings.LOGGING, captured."""
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, RedactSecretsFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_api_key_plaintext_never_reaches_a_log(db, tenant_a, alice, configured_log):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="ci", scope="read", created_by=alice)
    logger = logging.getLogger("beacon.test")

    logger.warning("request with Authorization: Bearer %s failed", plaintext)
    logger.warning("key=%s", plaintext)
    logger.warning("raw %s", plaintext)
    try:
        raise ValueError(f"bad key {plaintext}")
    except ValueError:
        logger.exception("boom")

    text = configured_log.getvalue()
    assert text.count(key.prefix) >= 3  # the Authorization header hides the prefix too
    assert plaintext.split(".")[1] not in text


def test_stripe_secrets_and_passwords_are_redacted():
    text = redact(
        "sk_test_abc123XYZ whsec_9f8e7d password=hunter2hunter2 "
        "postgres://beacon:s3cr3t@db:5432/beacon {'token': 'tok_abc'}"
    )

    assert "abc123XYZ" not in text
    assert "9f8e7d" not in text
    assert "hunter2" not in text
    assert "s3cr3t" not in text
    assert "tok_abc" not in text
    assert "sk_test_[REDACTED]" in text


def test_api_key_plaintext_is_not_in_the_database(db, tenant_a, alice):
    from django.db import connection

    _, plaintext = services.api_key_create(tenant=tenant_a, name="ci", scope="read", created_by=alice)
    secret = plaintext.split(".")[1]

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(secret in str(value) for value in row), f"key found in {table}"
