"""API limits from the tenant's plan: requests per minute and per day, counted in the cache.

Fixed windows (the current UTC minute and day) with atomic increments, so they hold across web
processes when the cache is Redis. Every API response carries X-RateLimit-Limit, -Remaining and
-Reset of the tighter window (see billing.middleware); over a limit is 429 with Retry-After; a
plan without API access is 403 with an upgrade link. Each allowed call counts into the daily
usage counter.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from billing.entitlements import feature_ensure
from billing.models import UsageMetric
from billing.usage import usage_increment
from config.errors import LimitExceeded

WINDOWS = {"minute": 60, "day": 86400}


def _count(key: str, ttl: int) -> int:
    if cache.add(key, 1, timeout=ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ttl)
        return 1


class PlanRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None) or getattr(request._request, "tenant", None)
        if tenant is None or request.auth is None:
            return True  # unauthenticated routes (schema, docs) are not metered
        entitlements = feature_ensure(tenant=tenant, feature="has_api")
        now = time.time()
        tightest = None
        for window, seconds in WINDOWS.items():
            limit = getattr(entitlements, f"api_requests_per_{window}")
            start = int(now // seconds) * seconds
            used = _count(f"beacon:api:{tenant.pk}:{window}:{start}", seconds + 5)
            reset = start + seconds
            remaining = max(limit - used, 0)
            if tightest is None or remaining < tightest[1]:
                tightest = (limit, remaining, reset)
            if used > limit:
                request._request.ratelimit_headers = (limit, 0, reset)
                raise LimitExceeded(f"Your {entitlements.plan_name} plan allows {limit} API requests per {window}.",
                                    retry_after=max(int(reset - now), 1), limit=limit, window=window)
        request._request.ratelimit_headers = tightest
        usage_increment(tenant=tenant, metric=UsageMetric.API_CALLS)
        return True
