"""Who calls the API: a program with an API key, or the website's signed-in member.

Both end with `request.tenant` set: from the key's tenant, or the tenant the member has active
(set by accounts.middleware.TenantMiddleware). The key is tried first, so a request that carries a
key acts for the key's tenant even when a session cookie rides along.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import services


class ApiKeyPrincipal:
    """The authenticated party of an API request: a tenant acting through one of its keys."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key):
        self.api_key = api_key
        self.tenant = api_key.tenant
        self.pk = None

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <api key>`: request.auth is the ApiKey, request.tenant its tenant. The key
    comes from the cache when it is there (accounts.services.api_key_authenticate)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed("Use the header 'Authorization: Bearer <api key>'.")
        key = services.api_key_authenticate(plaintext=parts[1])
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        request._request.tenant = key.tenant
        # The key acts for its tenant, not as the member whose session may have come with it.
        request._request.membership = None
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """The website's signed-in member calling the API from its pages: Django's session, with DRF's
    CSRF check on unsafe methods; request.tenant is the member's active tenant. request.auth is None."""

    def authenticate(self, request):
        authenticated = super().authenticate(request)
        if authenticated is not None and getattr(request._request, "tenant", None) is None:
            raise exceptions.AuthenticationFailed("You are not a member of any team; join or create one first.")
        return authenticated


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the Bearer API key in the OpenAPI schema."""

    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "bk_<prefix>.<secret>",
                "description": "An API key created under Team → API keys."}


class TenantSessionAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the website's session in the OpenAPI schema."""

    target_class = "api.authentication.TenantSessionAuthentication"
    name = "Session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
                "description": "The website's signed-in session; unsafe methods also need the X-CSRFToken header."}
