"""What an authenticated caller may do through the API, beyond its tenant's plan and its role."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiKey, ApiKeyScope


class ApiKeyScopePermits(BasePermission):
    """A default permission: a request through a read-only key may only read (GET, HEAD, OPTIONS); a key
    with the write scope may also POST, PUT, PATCH and DELETE. The website's session is not key-scoped:
    each app's service checks the member's role."""

    message = ("This API key is read-only. Create a key with the 'Read and write' scope under "
               "Team → API keys to make changes.")
    code = "read_only_key"

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS or not isinstance(request.auth, ApiKey):
            return True
        if not hasattr(view, request.method.lower()):
            return True  # the endpoint has no such method: it answers 405, which says more than a scope error
        return request.auth.scope == ApiKeyScope.WRITE
