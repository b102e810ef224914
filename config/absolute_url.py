"""Links that leave the site (emails, Stripe redirects) are absolute: SITE_URL plus the path."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """SITE_URL joined with `path`, a site path such as `reverse(...)` gives (starts with "/")."""
    return settings.SITE_URL.rstrip("/") + path
