"""The API key lookup is cached: a hit reads no key from the database, a revoked key fails at once."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey
from billing.models import Plan, Subscription


def test_a_cached_key_is_found_without_reading_the_key_table(db, tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    first = services.api_key_authenticate(plaintext=plaintext)

    with CaptureQueriesContext(connection) as queries:
        again = services.api_key_authenticate(plaintext=plaintext)

    assert first.pk == again.pk == key.pk and again.tenant == tenant_a
    assert not [q for q in queries.captured_queries if "accounts_apikey" in q["sql"]]


def test_an_unknown_key_is_none_and_not_cached(db):
    assert services.api_key_authenticate(plaintext="bk_nope.secret") is None
    assert services.api_key_authenticate(plaintext="bk_nope.secret") is None


def test_a_revoked_key_fails_once_forgotten(db, tenant_a, alice, django_capture_on_commit_callbacks):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    services.api_key_authenticate(plaintext=plaintext)

    with django_capture_on_commit_callbacks(execute=True):
        services.api_key_revoke(key=key, actor=alice)

    assert services.api_key_authenticate(plaintext=plaintext) is None


def test_a_key_revoked_while_cached_is_refused_by_the_next_request(client, tenant_a, alice,
                                                                  django_capture_on_commit_callbacks):
    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status="active")
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/me/", headers=headers).status_code == 200  # now in the cache

    with django_capture_on_commit_callbacks(execute=True):
        services.api_key_revoke(key=key, actor=alice)
    response = client.get("/api/v1/me/", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key."


def test_a_request_that_read_the_key_before_its_revocation_cannot_cache_it_again(db, tenant_a, alice,
                                                                                django_capture_on_commit_callbacks):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.api_key_revoke(key=key, actor=alice)
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=None)  # as a read from just before the revocation saw it

    services.api_key_authenticate(plaintext=plaintext)  # that read, finishing after the commit
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())

    assert services.api_key_authenticate(plaintext=plaintext) is None


def test_last_use_is_written_at_most_once_a_minute(db, tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    services.api_key_authenticate(plaintext=plaintext)
    first_use = ApiKey.objects.get(pk=key.pk).last_used_at

    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            services.api_key_authenticate(plaintext=plaintext)

    assert first_use is not None and ApiKey.objects.get(pk=key.pk).last_used_at == first_use
    assert not queries.captured_queries


def test_a_key_read_again_after_its_entry_expires_records_the_newer_use(db, tenant_a, alice):
    key, plaintext = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=long_ago)

    services.api_key_authenticate(plaintext=plaintext)

    assert ApiKey.objects.get(pk=key.pk).last_used_at > long_ago
