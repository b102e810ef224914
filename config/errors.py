"""Domain errors: services raise them, `api.errors` renders them as JSON.

Each carries a stable `code`, an HTTP `status` and messages per field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A rule of the domain was broken; carries a stable code, an HTTP status and field messages."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class NotPermitted(DomainError, PermissionDenied):
    """The user is known but their role may not do this (e.g. a member writing).

    Also Django's PermissionDenied, so a website view that lets it through answers 403."""

    code = "forbidden"
    status = 403


class NotEntitled(DomainError):
    """The tenant's plan does not include this feature."""

    code = "not_entitled"
    status = 403


class PlanLimitReached(DomainError):
    """A plan limit would be exceeded; body says the limit, the use and where to upgrade."""

    code = "plan_limit"
    status = 402


class LimitExceeded(DomainError):
    """A rate limit; `retry_after` seconds go to the Retry-After header."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int, **extra: Any):
        super().__init__(message, **extra)
        self.retry_after = retry_after


class Conflict(DomainError):
    code = "conflict"
    status = 409
