"""The rate limit of the public (keyless) endpoints: requests per minute per client IP address.

The track-record summary and the ledger answer anyone, so prospects and auditors need no key; a
fixed window (the current UTC minute) counted per IP in Django's cache (Redis in production, so it
holds across web processes) keeps one address from flooding them. Responses carry the same
X-RateLimit-* headers as the plan's limit, and over the limit is the same 429 with Retry-After.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from accounts.ratelimits import client_ip
from config.errors import LimitExceeded

DEFAULT_PUBLIC_REQUESTS_PER_MINUTE = 60
WINDOW_SECONDS = 60


def _count(key: str, ttl: int) -> int:
    """Add one to the window's counter (created at 1 when absent); returns the new count."""
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


class PublicRateThrottle(BaseThrottle):
    """`API_PUBLIC_REQUESTS_PER_MINUTE` (default 60) requests a minute per client address."""

    def allow_request(self, request, view) -> bool:
        limit = getattr(settings, "API_PUBLIC_REQUESTS_PER_MINUTE", DEFAULT_PUBLIC_REQUESTS_PER_MINUTE)
        now = time.time()
        start = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        reset = start + WINDOW_SECONDS
        used = _count(f"beacon:api-public:{client_ip(request._request)}:{start}", WINDOW_SECONDS + 5)
        request._request.ratelimit_headers = (limit, max(limit - used, 0), reset)
        if used > limit:
            raise LimitExceeded(f"Public endpoints allow {limit} requests per minute from one address; "
                                "use an API key for more.", retry_after=max(int(reset - now), 1),
                                limit=limit, window="minute")
        return True
