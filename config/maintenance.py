"""The answer while the database or Redis (cache, rate limits) is unreachable or exhausted: 503 with a
clear message and Retry-After, never a traceback; under /api/ any other error is the API's JSON error
too, never an HTML page. Django calls `server_error` (config.urls' handler500) for any exception a view
or a middleware let through, still inside its `except`, so the error is at hand to look at."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

RETRY_AFTER_SECONDS = 30
MESSAGE = "Beacon is briefly unavailable: its database cannot be reached. Please try again in a minute."
REDIS_MESSAGE = ("Beacon is briefly unavailable: its cache cannot be reached or is at capacity. "
                 "Please try again in a minute.")
ERROR_MESSAGE = "Something went wrong on our side; it has been logged. Please try again later."


def database_unreachable(error: BaseException | None) -> bool:
    """Whether `error` says the database cannot be reached (refused, gone, the pool timed out)."""
    return isinstance(error, OperationalError | InterfaceError)


def redis_unavailable(error: BaseException | None) -> bool:
    """Whether `error` says Redis cannot be reached or its connection pool is used up ("Too many connections")."""
    return isinstance(error, RedisConnectionError | RedisTimeoutError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 while the database or Redis is unavailable (the API's JSON error under /api/, a
    page elsewhere, rendered without context processors, which read the database); otherwise a 500,
    JSON under /api/, Django's page elsewhere."""
    error = sys.exc_info()[1]
    if database_unreachable(error):
        return _unavailable(request, MESSAGE)
    if redis_unavailable(error):
        return _unavailable(request, REDIS_MESSAGE)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "server_error", "message": ERROR_MESSAGE}}, status=500)
    return defaults.server_error(request)


def _unavailable(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": {"code": "unavailable", "message": message}}, status=503)
    else:
        response = HttpResponse(render_to_string("maintenance.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
