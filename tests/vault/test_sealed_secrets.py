"""Destinations' secrets are stored sealed (AES-256-GCM under the tenant's data key), open only for
their own tenant and column, and a data key opens only under the master key and tenant it was wrapped for."""

import pytest
from django.core.management import call_command
from django.db import connection

from alerts.models import Destination
from tests.vault.conftest import DISCORD_URL, EXPECTED, PUSH_AUTH, SIGNING_SECRET, plaintexts, secrets_of
from vault import crypto
from vault.crypto import VaultError
from vault.models import TenantKey
from vault.services import data_keys_forget


def test_secrets_are_stored_sealed_and_read_back_where_used(master_keys, tenant_a, alice):
    destinations = secrets_of(tenant_a, alice)

    assert plaintexts(destinations) == EXPECTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM alerts_destination")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for secret in (SIGNING_SECRET[6:], PUSH_AUTH, DISCORD_URL.rsplit("/", 1)[1]):
        assert secret not in stored
    assert stored.count("vault1.1.") == 3


def test_each_tenant_has_its_own_data_key_stored_only_wrapped(master_keys, tenant_a, alice, tenant_b, charlie):
    secrets_of(tenant_a, alice)
    secrets_of(tenant_b, charlie)

    keys = list(TenantKey.objects.order_by("tenant_id"))
    assert [(k.tenant_id, k.version, k.master_key_id) for k in keys] == [(tenant_a.pk, 1, "k1"), (tenant_b.pk, 1, "k1")]
    assert all(len(bytes(k.wrapped)) == crypto.NONCE_BYTES + crypto.KEY_BYTES + 16 for k in keys)
    assert bytes(keys[0].wrapped) != bytes(keys[1].wrapped)


def test_a_secret_copied_to_another_tenants_row_does_not_open(master_keys, tenant_a, alice, tenant_b, charlie):
    endpoint_a = secrets_of(tenant_a, alice)[0]
    endpoint_b = secrets_of(tenant_b, charlie)[0]
    Destination.objects.filter(pk=endpoint_b.pk).update(secret_encrypted=endpoint_a.secret_encrypted)

    with pytest.raises(VaultError):
        Destination.objects.get(pk=endpoint_b.pk).secret  # noqa: B018


def test_a_secret_copied_to_another_tenants_row_does_not_open_even_under_the_same_data_key(
        master_keys, tenant_a, alice, tenant_b, charlie):
    """The tenant is in the associated data: even a data key copied along with the secret does not help."""
    endpoint_a = secrets_of(tenant_a, alice)[0]
    endpoint_b = secrets_of(tenant_b, charlie)[0]
    key_a = TenantKey.objects.get(tenant=tenant_a)
    TenantKey.objects.filter(tenant=tenant_b).update(wrapped=key_a.wrapped)
    Destination.objects.filter(pk=endpoint_b.pk).update(secret_encrypted=endpoint_a.secret_encrypted)
    data_keys_forget()

    with pytest.raises(VaultError):  # the wrapped key names its tenant too
        Destination.objects.get(pk=endpoint_b.pk).secret  # noqa: B018


def test_a_secret_copied_to_another_column_or_altered_does_not_open(master_keys, tenant_a, alice):
    endpoint, subscription, _ = secrets_of(tenant_a, alice)
    Destination.objects.filter(pk=subscription.pk).update(push_auth_encrypted=endpoint.secret_encrypted)
    sealed = endpoint.secret_encrypted
    altered = sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB")
    Destination.objects.filter(pk=endpoint.pk).update(secret_encrypted=altered)

    with pytest.raises(VaultError):
        Destination.objects.get(pk=subscription.pk).push_auth  # noqa: B018
    with pytest.raises(VaultError):
        Destination.objects.get(pk=endpoint.pk).secret  # noqa: B018


def test_every_seal_of_one_secret_differs(master_keys, tenant_a, alice):
    endpoint = secrets_of(tenant_a, alice)[0]
    first = endpoint.secret_encrypted
    endpoint.secret = SIGNING_SECRET
    assert endpoint.secret_encrypted != first and endpoint.secret == SIGNING_SECRET


def test_without_the_master_key_nothing_opens(master_keys, tenant_a, alice):
    endpoint = secrets_of(tenant_a, alice)[0]
    master_keys.VAULT_MASTER_KEYS = [crypto.master_key_new_entry("k1")]  # same id, another key
    data_keys_forget()

    with pytest.raises(VaultError):
        Destination.objects.get(pk=endpoint.pk).secret  # noqa: B018


def test_a_data_key_is_read_once_per_process_and_a_secret_opened_once_per_destination(
        master_keys, tenant_a, alice, django_assert_num_queries):
    secrets_of(tenant_a, alice)
    endpoint, subscription = Destination.objects.filter(tenant=tenant_a, channel__in=["webhook", "push"]).order_by("pk")
    data_keys_forget()

    with django_assert_num_queries(1):  # the data key's row, once for every secret of the tenant
        assert {endpoint.secret for _ in range(100)} == {SIGNING_SECRET} and subscription.push_auth == PUSH_AUTH
    assert endpoint.__dict__["_vault_opened"] == {("secret_encrypted", endpoint.secret_encrypted): SIGNING_SECRET}


def test_the_data_migration_sealed_rows_stored_before_the_vault(master_keys, tenant_a, alice, transactional_db):
    """Rows stored in the clear before 0003 are sealed by it, and opened back by its reverse."""
    call_command("migrate", "alerts", "0002", verbosity=0)
    try:  # forward again whatever happens: the tests after this one need the schema of today
        with connection.cursor() as cursor:  # CURRENT_TIMESTAMP: SQL that PostgreSQL and SQLite both know
            cursor.execute("INSERT INTO alerts_destination (tenant_id, member_id, channel, label, url, secret,"
                           " push_p256dh, push_auth, created_at, disabled_reason) VALUES (%s, %s, 'discord', '', %s,"
                           " '', '', '', CURRENT_TIMESTAMP, ''), (%s, %s, 'webhook', '', 'https://hooks.example.com/a',"
                           " %s, '', '', CURRENT_TIMESTAMP, '')",
                           [tenant_a.pk, alice.pk, DISCORD_URL, tenant_a.pk, alice.pk, SIGNING_SECRET])
    finally:
        call_command("migrate", "alerts", verbosity=0)

    discord, endpoint = Destination.objects.order_by("pk")
    assert (discord.discord_url, discord.url, endpoint.secret) == (
        DISCORD_URL, "https://discord.com/api/webhooks/1234567890123456789/…", SIGNING_SECRET)
    assert DISCORD_URL.rsplit("/", 1)[1] not in discord.discord_url_encrypted + discord.url
