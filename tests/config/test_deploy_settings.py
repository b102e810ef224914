import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAULT_MASTER_KEYS = "k1:" + "A" * 43 + "="  # production settings refuse to start without a master key


def test_check_deploy_is_clean_with_production_settings():
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 20 + "A-long-random-production-secret-key-0123456789",
        "ALLOWED_HOSTS": "beacon.example.com",
        "VAULT_MASTER_KEYS": VAULT_MASTER_KEYS,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _settings_value(module: str, expression: str, **environment) -> str:
    """`expression` evaluated in a fresh interpreter with `module` as the settings and only `environment`."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    env = {"DJANGO_SETTINGS_MODULE": module, "PATH": "/usr/bin:/bin", "VAULT_MASTER_KEYS": VAULT_MASTER_KEYS,
           **environment}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_secrets_are_read_from_the_file_a_FILE_variable_names(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("a-secret-kept-in-a-mounted-file-0123456789-abcdefghij")
    stripe = tmp_path / "stripe"
    stripe.write_text("sk_test_from_a_file")

    value = _settings_value("config.settings.production", "settings.SECRET_KEY, settings.STRIPE_SECRET_KEY",
                            SECRET_KEY_FILE=str(secret), STRIPE_SECRET_KEY_FILE=str(stripe),
                            ALLOWED_HOSTS="beacon.example.com")

    assert value == "a-secret-kept-in-a-mounted-file-0123456789-abcdefghij sk_test_from_a_file"


def test_sentry_starts_from_production_settings_only():
    dsn = "https://public@o0.ingest.sentry.io/1"
    started = "__import__('sentry_sdk').get_client().is_active()"

    assert _settings_value("config.settings.local", started, SENTRY_DSN=dsn) == "False"
    assert _settings_value("config.settings.production", started, SENTRY_DSN=dsn, SECRET_KEY="x" * 50,
                           ALLOWED_HOSTS="beacon.example.com") == "True"
