"""API rate limits from the tenant's plan, and the headers that tell a client where it stands.

`PlanRateThrottle` (the default throttle) meters every request authenticated by an API key: fixed
windows (the current UTC minute and day) counted with atomic cache increments, so they hold across
web processes when the cache is Redis. Over a limit is 429 with Retry-After (LimitExceeded); a plan
without API access is 403 with an upgrade link (NotEntitled); each allowed call counts into the
tenant's daily usage (billing.usage's pending counter, flushed to its table). Both windows and the
usage are counted, and the tenant's cached entitlements read, in one round trip (config.cache_counters);
those are the request's entitlements (api.entitlements), which the endpoint reuses. A plan without API
access takes back what it counted. The website's session calls are not the
plan's API and are not metered.

`PublicRateThrottle` limits the public (keyless) endpoints, the track-record summary and the ledger,
which prospects and auditors use without a key: `API_PUBLIC_REQUESTS_PER_MINUTE` (default 60) a
minute per client address, with the same headers and the same 429.

`RateLimitHeadersMiddleware` adds X-RateLimit-Limit, -Remaining and -Reset of the tighter window to
every response of a metered request: a success, the 429, and any error the endpoint raised after the
throttle ran (DRF runs authentication, then permissions, then throttles, then the endpoint).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from accounts.ratelimits import client_ip
from api.entitlements import request_entitlements
from billing.entitlements import entitlements_cache_key, feature_ensure
from billing.models import UsageMetric
from billing.usage import USAGE_PENDING_SECONDS, usage_pending_key
from config.cache_counters import counters_add, counters_add_reading
from config.epoch import utc_from_epoch
from config.errors import LimitExceeded, NotEntitled

WINDOWS = {"minute": 60, "day": 86400}
DEFAULT_PUBLIC_REQUESTS_PER_MINUTE = 60


class RateLimitState(NamedTuple):
    """Where a tenant stands in one window: its limit, the calls left, and when it resets (epoch s)."""

    limit: int
    remaining: int
    reset: int


def _window_counter(scope: str, window: str, start: int) -> str:
    return f"beacon:{scope}:{window}:{start}"


class PlanRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True  # the website's session, and unauthenticated routes (schema, docs)
        tenant = request.tenant
        now = time.time()
        starts = {window: int(now // seconds) * seconds for window, seconds in WINDOWS.items()}
        usage = usage_pending_key(tenant_id=tenant.pk, metric=UsageMetric.API_CALLS,
                                  day=utc_from_epoch(starts["day"]).date())
        counted = {**{_window_counter(f"api:{tenant.pk}", window, starts[window]): (1, seconds + 5)
                      for window, seconds in WINDOWS.items()},
                   usage: (1, USAGE_PENDING_SECONDS)}
        # Both windows, the day's usage and the plan's entitlements in one round trip; the call counts as
        # used until refused.
        (*used_in, _), cached = counters_add_reading(counted, read=entitlements_cache_key(tenant.pk))
        try:
            entitlements = feature_ensure(tenant=tenant, feature="has_api",
                                          entitlements=request_entitlements(request, cached=cached))
        except NotEntitled:
            counters_add({key: (-1, seconds) for key, (_, seconds) in counted.items()})  # no API: nothing counted
            raise
        tightest = None
        for (window, seconds), used in zip(WINDOWS.items(), used_in, strict=True):
            limit = getattr(entitlements, f"api_requests_per_{window}")
            reset = starts[window] + seconds
            state = RateLimitState(limit, max(limit - used, 0), reset)
            if tightest is None or state.remaining < tightest.remaining:
                tightest = state
            if used > limit:
                request._request.rate_limit_state = state
                counters_add({usage: (-1, USAGE_PENDING_SECONDS)})  # a refused call is not a use
                raise LimitExceeded(f"Your {entitlements.plan_name} plan allows {limit} API requests per {window}.",
                                    retry_after=max(int(reset - now), 1), limit=limit, window=window)
        request._request.rate_limit_state = tightest
        return True


class PublicRateThrottle(BaseThrottle):
    """`API_PUBLIC_REQUESTS_PER_MINUTE` (default 60) requests a minute per client address."""

    def allow_request(self, request, view) -> bool:
        limit = getattr(settings, "API_PUBLIC_REQUESTS_PER_MINUTE", DEFAULT_PUBLIC_REQUESTS_PER_MINUTE)
        now = time.time()
        seconds = WINDOWS["minute"]
        start = int(now // seconds) * seconds
        reset = start + seconds
        [used] = counters_add({_window_counter(f"api-public:{client_ip(request._request)}", "minute", start):
                               (1, seconds + 5)})
        request._request.rate_limit_state = RateLimitState(limit, max(limit - used, 0), reset)
        if used > limit:
            raise LimitExceeded(f"Public endpoints allow {limit} requests per minute from one address; "
                                "use an API key for more.", retry_after=max(int(reset - now), 1),
                                limit=limit, window="minute")
        return True


class RateLimitHeadersMiddleware:
    """Adds X-RateLimit-Limit, -Remaining and -Reset to the responses of requests the throttle metered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state: RateLimitState | None = getattr(request, "rate_limit_state", None)
        if state is not None:
            response["X-RateLimit-Limit"] = str(state.limit)
            response["X-RateLimit-Remaining"] = str(state.remaining)
            response["X-RateLimit-Reset"] = str(int(state.reset))
        return response
