"""Under production settings (config/settings/production.py, in a process of its own, as deployed):
HTTPS only with HSTS, cookies Secure and SameSite (the session's HttpOnly too), frames denied twice
(X-Frame-Options and frame-ancestors), Referrer-Policy, nosniff and the enforced CSP."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

# django_db: pytest-django makes the test database the probe uses. postgres: the probe is another process,
# so it needs a database server it can reach (SQLite's test database lives in this process's memory), and
# production runs on PostgreSQL anyway; without one the test is skipped with that reason (CI never skips).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]



@pytest.fixture(scope="module")
def production(django_db_setup):
    """What the production site answered the probe (tests/security/production_probe.py), which signs in a
    user it makes and deletes in the test database."""
    database = connection.settings_dict  # the test database's, once django_db_setup has made it
    name = database["NAME"]
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "0123456789" * 3,
        "ALLOWED_HOSTS": "beacon.example.com",
        "VAULT_MASTER_KEYS": "k1:" + "A" * 43 + "=",  # production refuses to start without one (docs/vault.md)
        "DATABASE_URL": (f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{name}"
                         if database["ENGINE"].endswith("postgresql") else f"sqlite:///{name}"),
        "DATABASE_POOL_MAX_SIZE": "0",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run([sys.executable, "-m", "tests.security.production_probe"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_answers_over_https_only_with_hsts(production):
    hsts = production["form"]["headers"]["Strict-Transport-Security"]

    assert production["form"]["status"] == 200
    assert production["plain_http"]["status"] == 301
    assert production["plain_http"]["location"].startswith("https://beacon.example.com/")
    assert hsts == "max-age=31536000; includeSubDomains; preload"


def test_production_denies_frames_sniffing_and_cross_site_referrers(production):
    headers = production["form"]["headers"]

    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "wss://beacon.example.com" in headers["Content-Security-Policy"]


def test_production_cookies_are_secure_samesite_and_the_session_is_httponly(production):
    csrf = production["form"]["cookies"]["csrftoken"]
    session = production["signed_in"]["cookies"]["sessionid"]

    assert production["signed_in"]["status"] == 302
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie stays readable by the page's own script (alerts-push.js sends it back as a header).
    assert csrf["secure"] and csrf["samesite"] == "Lax"
