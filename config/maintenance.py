"""The answer while the database is unreachable: 503 with a clear message and Retry-After, never a
traceback. Django calls `server_error` (config.urls' handler500) for any exception a view or a
middleware let through, still inside its `except`, so the error is at hand to look at."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

RETRY_AFTER_SECONDS = 30
MESSAGE = "Beacon is briefly unavailable: its database cannot be reached. Please try again in a minute."


def database_unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached (refused, gone, the pool timed out)."""
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 while the database is unreachable (the API's JSON error under /api/, a page
    elsewhere, rendered without context processors, which read the database); Django's 500 otherwise."""
    if not database_unreachable(sys.exc_info()[1]):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": {"code": "unavailable", "message": MESSAGE}}, status=503)
    else:
        response = HttpResponse(render_to_string("maintenance.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
