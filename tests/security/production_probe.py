"""Run under config.settings.production in a process of its own (tests/security/test_production_headers.py):
sign in over HTTPS as a browser would and print, as JSON, the headers and cookies the site answered with.

    DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=... ALLOWED_HOSTS=beacon.example.com \
        VAULT_MASTER_KEYS=... DATABASE_URL=... python -m tests.security.production_probe
"""

from __future__ import annotations

import json

import django

HOST = "beacon.example.com"
HEADERS = ("Strict-Transport-Security", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options",
           "Content-Security-Policy", "Cross-Origin-Opener-Policy")


def _cookies(response) -> dict[str, dict]:
    return {name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
                   "samesite": morsel["samesite"]} for name, morsel in response.cookies.items()}


def probe() -> dict:
    from django.test import Client

    from accounts.models import User

    https = {"Host": HOST, "X-Forwarded-Proto": "https"}
    email, password = "probe@example.com", "a-long-production-passphrase-1"
    User.objects.filter(email=email).delete()
    User.objects.create_user(email=email, password=password)
    browser = Client()
    form = browser.get("/accounts/login/", headers=https)
    signed_in = browser.post("/accounts/login/", {"email": email, "password": password,
                                                  "csrfmiddlewaretoken": form.cookies["csrftoken"].value},
                             headers=https)
    plain = Client().get("/accounts/login/", headers={"Host": HOST})
    User.objects.filter(email=email).delete()
    return {
        "form": {"status": form.status_code, "headers": {name: form.get(name) for name in HEADERS},
                 "cookies": _cookies(form)},
        "signed_in": {"status": signed_in.status_code, "cookies": _cookies(signed_in)},
        "plain_http": {"status": plain.status_code, "location": plain.get("Location")},
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(probe()))
