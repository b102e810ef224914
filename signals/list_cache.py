"""The signal list's encoded pages, kept in Django's cache (Redis in production, shared by every web process).

A page of `GET /api/v1/signals/` depends only on what the plan covers and shows (its entitlements), the
request's URL (filters, ordering, cursor, limit; host and scheme for the `next` link) and the signals
visible to the plan's tier with their outcomes. Published signals are never edited, so that last part
changes only when a publication becomes visible (at once, or a delayed tier's release) or an outcome
is recorded: each of those calls `signal_list_changed`, which gives the list a new version. A page is
kept with the version it was read at and served only while that is still the version, so a change
makes every page kept before it stale at once; a page expires after PAGE_CACHE_SECONDS, which also
bounds how long a change written without the services (by hand, in SQL) can go unseen.

The version is a random token, not a counter: after Redis loses it (a restart, a flush) the next one
can never name a page kept before.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import secrets

from django.core.cache import cache
from django.db import transaction

from billing.entitlements import Entitlements

VERSION_KEY = "signals:list-version"
PAGE_CACHE_SECONDS = 60


def signal_list_version() -> str:
    """The list's current version: a token that changes whenever a page could."""
    return cache.get(VERSION_KEY) or _version_start()


def _version_start() -> str:
    cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)  # add: a token another process set wins
    return cache.get(VERSION_KEY)


def signal_list_changed() -> None:
    """A publication became visible or an outcome was recorded: no page kept so far may be served again.

    Called inside the writing transaction. The version changes at once (a read in that same transaction,
    such as a test's, sees the change) and again once it commits, so that a page read from the database
    between the two, without the change, is never served under the version that follows it."""
    _version_new()
    transaction.on_commit(_version_new)


def _version_new() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)


def signal_page_key(*, entitlements: Entitlements, url: str) -> str:
    """The cache key of the page `url` answers for a plan with `entitlements`."""
    return f"signals:page:{_plan_digest(entitlements)}:{hashlib.sha256(url.encode()).hexdigest()}"


@functools.lru_cache(maxsize=256)
def _plan_digest(entitlements: Entitlements) -> str:
    # Every field, sets sorted: a frozenset's order differs between processes (string hashing is
    # randomised), and every web process must name the same plan's pages alike.
    return hashlib.sha256("|".join(
        f"{field.name}={sorted(value) if isinstance(value, frozenset) else value!r}"
        for field in dataclasses.fields(entitlements) for value in [getattr(entitlements, field.name)]
    ).encode()).hexdigest()


def signal_page_cached(key: str) -> tuple[bytes | None, str]:
    """The encoded page kept under `key` if it was kept at the list's current version (else None), and
    that version; both in one round trip. A page made after this call is kept under this version: it
    was read from the database after the version was, so it is at least as new."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY) or _version_start()
    kept_version, body = found.get(key, (None, None))
    return (body if kept_version == version else None), version


def signal_page_keep(key: str, *, version: str, body: bytes) -> None:
    """Keep the encoded page `body`, read at `version`, under `key` for PAGE_CACHE_SECONDS."""
    cache.set(key, (version, body), PAGE_CACHE_SECONDS)
