"""Production: secrets must come from the environment, HTTPS everywhere, `check --deploy` clean."""

from django.core.exceptions import ImproperlyConfigured

from vault.crypto import master_keys_parse

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Tenants' secrets are sealed under keys wrapped by these: never the development key derived from SECRET_KEY.
VAULT_MASTER_KEYS = env.list("VAULT_MASTER_KEYS", default=[])
if not VAULT_MASTER_KEYS:
    raise ImproperlyConfigured("Set VAULT_MASTER_KEYS (docs/vault.md): `python manage.py vault_master_key_new "
                               "<id>` prints an entry.")
try:
    master_keys_parse(VAULT_MASTER_KEYS)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_SAMESITE = "Lax"  # (not HttpOnly: static/js/alerts-push.js sends the token from it)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Errors go to Sentry from production only (never from a developer's machine or the tests).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"))
