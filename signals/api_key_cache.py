"""The API key lookup with a cache in front of it, so a request does not read the key from the database.

`accounts.services.api_key_authenticate` reads the key and its tenant (and touches last_used_at at
most once a minute) on every request. Here a hit is served from Django's cache (Redis in production:
shared by every web process) for KEY_CACHE_SECONDS; a miss does the real lookup, touching the key
as before. A revoked key must leave the cache at once: `api_key_cache_forget` is for
`api_key_revoke` to call (until it does, a revoked key still works for up to KEY_CACHE_SECONDS).

Not wired in yet: the authentication (accounts/authentication.py, moving to api/authentication.py)
belongs to another part; `CachedApiKeyAuthentication` shows the one call that changes, and
bench/bench_api.py measures it beside the uncached one.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from rest_framework import authentication, exceptions

from accounts import services
from accounts.models import ApiKey
from api.authentication import ApiKeyAuthentication, ApiKeyPrincipal

KEY_CACHE_SECONDS = 60


def _cache_key(plaintext: str) -> str:
    return "beacon:api-key:" + hashlib.sha256(plaintext.encode()).hexdigest()


def api_key_authenticate_cached(*, plaintext: str) -> ApiKey | None:
    """The active key (with its tenant) for `plaintext`, from the cache when it is there; None for an
    unknown or revoked key (not cached, so a new key works at once)."""
    cache_key = _cache_key(plaintext)
    key = cache.get(cache_key)
    if key is None:
        key = services.api_key_authenticate(plaintext=plaintext)
        if key is not None:
            cache.set(cache_key, key, KEY_CACHE_SECONDS)
    return key


def api_key_cache_forget(*, plaintext_hash: str) -> None:
    """Drop a key from the cache by its stored hash (ApiKey.key_hash, the sha256 of its plaintext)."""
    cache.delete("beacon:api-key:" + plaintext_hash)


class CachedApiKeyAuthentication(ApiKeyAuthentication):
    """ApiKeyAuthentication with the cached lookup."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <api key>'.")
        key = api_key_authenticate_cached(plaintext=parts[1])
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        request._request.tenant = key.tenant
        return ApiKeyPrincipal(key), key
