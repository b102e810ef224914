"""`manage.py vault_rotate`: every data key re-wrapped under the newest master key (after which the old
one can go), optionally every secret re-sealed under a new data key per tenant; idempotent, resumable."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.vault.conftest import EXPECTED, K1, K2, plaintexts, secrets_of
from vault.models import TenantKey
from vault.rotation import vault_rotate
from vault.services import data_keys_forget


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("vault_rotate", *args, stdout=out)
    return out.getvalue()


def test_after_rotation_the_old_master_key_can_go_and_everything_still_reads(master_keys, tenant_a, alice,
                                                                              tenant_b, charlie):
    mine, theirs = secrets_of(tenant_a, alice), secrets_of(tenant_b, charlie)
    master_keys.VAULT_MASTER_KEYS = [K2, K1]  # the new key first, the old one kept for reading

    assert "2 data keys re-wrapped" in rotate()
    master_keys.VAULT_MASTER_KEYS = [K2]
    data_keys_forget()

    assert set(TenantKey.objects.values_list("master_key_id", flat=True)) == {"k2"}
    assert plaintexts(mine) == EXPECTED and plaintexts(theirs) == EXPECTED


def test_a_second_rotation_changes_nothing(master_keys, tenant_a, alice):
    secrets_of(tenant_a, alice)
    master_keys.VAULT_MASTER_KEYS = [K2, K1]
    rotate()
    wrapped = bytes(TenantKey.objects.get().wrapped)

    assert "0 data keys re-wrapped" in rotate()
    assert bytes(TenantKey.objects.get().wrapped) == wrapped


def test_a_rotation_stopped_halfway_is_finished_by_running_it_again(master_keys, tenant_a, alice, tenant_b, charlie):
    mine = secrets_of(tenant_a, alice)  # tenant A's key under K1
    master_keys.VAULT_MASTER_KEYS = [K2, K1]
    theirs = secrets_of(tenant_b, charlie)  # tenant B's under K2: as a run stopped after B leaves it

    assert vault_rotate().rewrapped == 1
    master_keys.VAULT_MASTER_KEYS = [K2]
    data_keys_forget()
    assert plaintexts(mine) == EXPECTED and plaintexts(theirs) == EXPECTED


def test_the_old_master_key_removed_before_rotating_is_a_clear_error(master_keys, tenant_a, alice):
    secrets_of(tenant_a, alice)
    master_keys.VAULT_MASTER_KEYS = [K2]
    data_keys_forget()

    with pytest.raises(CommandError, match="'k1' is not in VAULT_MASTER_KEYS"):
        rotate()
    assert TenantKey.objects.get().master_key_id == "k1"


def test_new_data_keys_reseal_every_secret_and_retire_the_old_keys(master_keys, tenant_a, alice, tenant_b, charlie):
    mine, theirs = secrets_of(tenant_a, alice), secrets_of(tenant_b, charlie)
    before = {d.pk: (d.secret_encrypted, d.push_auth_encrypted, d.discord_url_encrypted) for d in mine + theirs}

    output = rotate("--new-data-keys")
    data_keys_forget()

    assert "2 tenants given a new data key, 6 secrets re-sealed, 2 old data keys removed" in output
    assert sorted(TenantKey.objects.values_list("tenant_id", "version")) == [(tenant_a.pk, 2), (tenant_b.pk, 2)]
    assert plaintexts(mine) == EXPECTED and plaintexts(theirs) == EXPECTED
    for destination in mine + theirs:
        destination.refresh_from_db()
        sealed = (destination.secret_encrypted, destination.push_auth_encrypted, destination.discord_url_encrypted)
        assert all(s == "" or s.startswith("vault1.2.") for s in sealed) and sealed != before[destination.pk]


def test_new_data_keys_resumed_with_the_same_start_redo_nothing(master_keys, tenant_a, alice):
    mine = secrets_of(tenant_a, alice)
    started = rotate("--new-data-keys").split("since ")[1].split(" ")[0]

    assert "0 tenants given a new data key, 0 secrets re-sealed, 0 old data keys removed" in rotate(
        "--new-data-keys", "--since", started)
    assert plaintexts(mine) == EXPECTED


def test_a_since_that_is_not_a_time_is_refused(master_keys):
    with pytest.raises(CommandError, match="--since must be an ISO date"):
        rotate("--new-data-keys", "--since", "yesterday")
