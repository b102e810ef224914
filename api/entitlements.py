"""The entitlements of the tenant an API request acts for, read once per request.

The plan throttle reads them first (it needs the plan's limits) and the endpoint takes the same object
from the request instead of reading the plan again. They come from billing's per-tenant cache
(`tenant_entitlements_cached`), which billing forgets when the tenant's subscription changes.
"""

from __future__ import annotations

from billing.entitlements import Entitlements, tenant_entitlements_cached


def request_entitlements(request) -> Entitlements:
    """The entitlements of `request.tenant` (a DRF or Django request), kept on the request."""
    django_request = getattr(request, "_request", request)
    entitlements = getattr(django_request, "entitlements", None)
    if entitlements is None:
        entitlements = tenant_entitlements_cached(tenant=django_request.tenant)
        django_request.entitlements = entitlements
    return entitlements
