"""Master keys come from VAULT_MASTER_KEYS; production refuses to start without a real one, while
development and tests use one derived from SECRET_KEY."""

import pytest
from django.core.management import call_command

from tests.config.test_deploy_settings import _settings_value
from vault import crypto
from vault.services import master_keys

PRODUCTION = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "beacon.example.com"}


def test_production_refuses_to_start_without_master_keys():
    with pytest.raises(AssertionError, match="Set VAULT_MASTER_KEYS"):
        _settings_value("config.settings.production", "1", VAULT_MASTER_KEYS="", **PRODUCTION)


def test_production_refuses_a_malformed_master_key():
    with pytest.raises(AssertionError, match="entry 1 must be <id>:<base64 of 32 random bytes>"):
        _settings_value("config.settings.production", "1", VAULT_MASTER_KEYS="k1:dG9vLXNob3J0", **PRODUCTION)


def test_production_reads_its_master_keys_newest_first():
    new, old = crypto.master_key_new_entry("2026-12"), crypto.master_key_new_entry("2026-06")
    value = _settings_value("config.settings.production",
                            "[k.id for k in __import__('vault.services').services.master_keys()]",
                            VAULT_MASTER_KEYS=f"{new},{old}", **PRODUCTION)
    assert value == "['2026-12', '2026-06']"


def test_without_master_keys_development_derives_one_from_the_secret_key(settings):
    settings.VAULT_MASTER_KEYS = []
    derived = master_keys()

    settings.SECRET_KEY = "another-secret-key-" * 3
    assert len(derived) == 1 and derived[0].id.startswith("derived-") and master_keys()[0] != derived[0]


def test_a_repeated_master_key_id_is_refused():
    entry = crypto.master_key_new_entry("k1")
    with pytest.raises(ValueError, match="repeats the id 'k1'"):
        crypto.master_keys_parse([entry, crypto.master_key_new_entry("k1")])


def test_a_new_master_key_entry_is_printed_ready_for_the_environment(capsys):
    call_command("vault_master_key_new", "2026-12")
    [key] = crypto.master_keys_parse([capsys.readouterr().out.strip()])
    assert key.id == "2026-12" and len(key.key) == 32 and "2026-12" in repr(key) and str(key.key) not in repr(key)
