"""The signal list's encoded pages, kept in Django's cache (Redis in production, shared by every web process).

A page of `GET /api/v1/signals/` depends only on what the plan covers and shows (its entitlements), the
request's URL (filters, ordering, cursor, limit; host and scheme for the `next` link) and the signals
visible to the plan's tier with their outcomes. Published signals are never edited, so that last part
changes only when a publication becomes visible (at once, or a delayed tier's release) or an outcome
is recorded: each of those calls `signal_list_changed`, which gives the list a new version. A page is
kept under its version, so a change makes every page kept before it unreachable at once; what is no
longer reached expires after PAGE_CACHE_SECONDS, which also bounds how long a change written without
the services (by hand, in SQL) can go unseen.

The version is a random token, not a counter: after Redis loses it (a restart, a flush) the next one
can never name a page kept before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets

from django.core.cache import cache
from django.db import transaction

from billing.entitlements import Entitlements

VERSION_KEY = "signals:list-version"
PAGE_CACHE_SECONDS = 60


def signal_list_version() -> str:
    """The list's current version: a token that changes whenever a page could."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)  # add: a token another process set wins
        version = cache.get(VERSION_KEY)
    return version


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
    """The cache key of the page `url` answers for a plan with `entitlements`, at the list's current
    version (read before the page is, so a page kept under it is at least as new as the version)."""
    plan = "|".join(f"{field.name}={_canonical(getattr(entitlements, field.name))}"
                    for field in dataclasses.fields(entitlements))
    digest = hashlib.sha256(f"{plan}\n{url}".encode()).hexdigest()
    return f"signals:page:{signal_list_version()}:{digest}"


def _canonical(value) -> str:
    # A frozenset's order differs between processes (string hashing is randomised): sort it, so that
    # every web process computes the same key for the same plan.
    return ",".join(sorted(value)) if isinstance(value, frozenset) else repr(value)


def signal_page_cached(key: str) -> bytes | None:
    """The encoded page kept under `key`, or None."""
    return cache.get(key)


def signal_page_keep(key: str, body: bytes) -> None:
    """Keep the encoded page `body` under `key` for PAGE_CACHE_SECONDS."""
    cache.set(key, body, PAGE_CACHE_SECONDS)
