"""The entitlements of the tenant an API request acts for, read once per request.

The plan throttle reads them first (it needs the plan's limits), from billing's per-tenant cache in the
round trip that counts the call, and the endpoint takes the same object from the request instead of
reading the plan again. They come from billing's per-tenant cache (`tenant_entitlements_cached`), which
billing forgets when the tenant's subscription changes.
"""

from __future__ import annotations

from billing.entitlements import Entitlements, tenant_entitlements_cached


def request_entitlements(request, *, cached: object = None) -> Entitlements:
    """The entitlements of `request.tenant` (a DRF or Django request), kept on the request. `cached`: what
    the caller read under billing's `entitlements_cache_key` in a round trip of its own (None: a miss)."""
    django_request = getattr(request, "_request", request)
    entitlements = getattr(django_request, "entitlements", None)
    if entitlements is None:
        entitlements = (cached if isinstance(cached, Entitlements)
                        else tenant_entitlements_cached(tenant=django_request.tenant))
        django_request.entitlements = entitlements
    return entitlements
