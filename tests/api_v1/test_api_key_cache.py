"""The cached API key lookup: a hit reads no key from the database; a forgotten (revoked) key fails."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import ApiKey
from signals.api_key_cache import api_key_authenticate_cached, api_key_cache_forget


def test_a_cached_key_is_found_without_reading_the_key_table(db, tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    first = api_key_authenticate_cached(plaintext=plaintext)

    with CaptureQueriesContext(connection) as queries:
        again = api_key_authenticate_cached(plaintext=plaintext)

    assert first.pk == again.pk == key.pk and again.tenant == tenant_a
    assert not [q for q in queries.captured_queries if "accounts_apikey" in q["sql"]]


def test_an_unknown_key_is_none_and_not_cached(db):
    assert api_key_authenticate_cached(plaintext="bk_nope.secret") is None
    assert api_key_authenticate_cached(plaintext="bk_nope.secret") is None


def test_a_revoked_key_fails_once_forgotten(db, tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    api_key_authenticate_cached(plaintext=plaintext)

    services.api_key_revoke(key=key, actor=alice)
    api_key_cache_forget(plaintext_hash=ApiKey.objects.get(pk=key.pk).key_hash)

    assert api_key_authenticate_cached(plaintext=plaintext) is None
