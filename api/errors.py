"""The one place that renders errors of the API as JSON (STYLE.md point 9).

Every error is `{"error": {"code", "message", "fields"}}` with its HTTP status. `fields` maps each
field at fault to its messages and is left out when no field is; a domain error (config.errors)
adds what it carries (a limit, an upgrade link). Malformed JSON (400 parse_error), a method the
endpoint lacks (405), an unsupported media type (415) and a path under /api/v1/ that is no endpoint
(404) are rendered the same way. Errors that are not the client's fault propagate, as a 500 that
Sentry sees.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError, LimitExceeded


def _field_messages(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(field): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Render domain and DRF errors as JSON with a message per field; unknown errors propagate."""
    if isinstance(exc, DomainError):
        domain = Response({"error": exc.as_dict()}, status=exc.status)
        if isinstance(exc, LimitExceeded):
            domain["Retry-After"] = str(exc.retry_after)
        return domain
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = drf_exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, drf_exceptions.APIException)
    error: dict[str, Any] = {"code": exc.default_code, "message": ""}
    if isinstance(exc, drf_exceptions.ValidationError):
        error["code"] = "invalid"
        error["fields"] = _field_messages(exc.detail)
        error["message"] = "; ".join(f"{f}: {' '.join(m)}" for f, m in error["fields"].items())
    else:
        codes = exc.get_codes()  # the code a permission or view raised with, else the default
        error["code"] = codes if isinstance(codes, str) else exc.default_code
        error["message"] = str(exc.detail)
    response.data = {"error": error}
    return response


def _is_endpoint(path: str) -> bool:
    try:
        return resolve(path).func is not endpoint_not_found
    except Resolver404:
        return False


@extend_schema(exclude=True)
@api_view(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def endpoint_not_found(request):
    """Any path under /api/v1/ that is no endpoint: a JSON 404. The path without its trailing slash is
    redirected as Django's APPEND_SLASH would (this catch-all route hides it from CommonMiddleware)."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/") and _is_endpoint(request.path_info + "/"):
        if request.method in ("GET", "HEAD"):
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        raise drf_exceptions.NotFound(f"No API endpoint at {request.path}; "
                                      f"the endpoint is {request.path}/ (with a slash).")
    raise drf_exceptions.NotFound(f"No API endpoint at {request.path}.")
