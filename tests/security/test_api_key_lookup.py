"""API keys are stored and found only by their SHA-256 hash: the plaintext is never stored nor sent to
the database, and the lookup is an equality on the hash column (a unique index), so a timing difference
could only tell an attacker about a hash of his guess, never about the key (no byte-by-byte compare of
the secret happens in Python). Alert and Telegram secrets are compared with hmac.compare_digest."""

from __future__ import annotations

import hashlib
import inspect

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import ApiKey
from alerts import views as alert_views


def test_a_key_is_stored_as_its_sha256_hash_only(tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="ci", scope="read", created_by=alice)

    stored = ApiKey.objects.filter(pk=key.pk).values()[0]

    assert stored["key_hash"] == hashlib.sha256(plaintext.encode()).hexdigest()
    assert not any(plaintext in str(value) or plaintext.split(".")[1] in str(value) for value in stored.values())


def test_a_key_is_looked_up_by_its_hash_and_the_plaintext_never_reaches_the_database(tenant_a, alice):
    _, plaintext = services.api_key_create(tenant=tenant_a, name="ci", scope="read", created_by=alice)
    wrong = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")

    with CaptureQueriesContext(connection) as queries:
        found = services.api_key_authenticate(plaintext=plaintext)
        refused = services.api_key_authenticate(plaintext=wrong)

    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert found is not None and refused is None
    assert hashlib.sha256(wrong.encode()).hexdigest() in sql
    assert plaintext.split(".")[1] not in sql and wrong.split(".")[1] not in sql
    assert '"key_hash" =' in sql


def test_shared_secrets_of_incoming_requests_are_compared_in_constant_time():
    assert "hmac.compare_digest" in inspect.getsource(alert_views.telegram_webhook)
