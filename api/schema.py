"""What the OpenAPI schema says about errors and rate limits, for every endpoint at once.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): it adds the
`Error` component (the shape api.errors renders) and, to each operation, the errors it can answer
with, and the X-RateLimit-* headers to its responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the hook's signature: nothing here imports Django when it runs
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.request import Request

ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "additionalProperties": True,
        "description": "A domain error adds what it carries, e.g. `limit`, `window`, `upgrade_url`.",
        "properties": {
            "code": {"type": "string", "example": "invalid",
                     "description": "Stable: invalid, parse_error, not_authenticated, authentication_failed, "
                                    "permission_denied, read_only_key, not_entitled, not_found, "
                                    "method_not_allowed, unsupported_media_type, plan_limit, rate_limited."},
            "message": {"type": "string", "example": "limit: Must be a whole number from 1 to 500; got '0'."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "example": {"limit": ["Must be a whole number from 1 to 500; got '0'."]},
                       "description": "Present when input was at fault: each field with its messages."},
        },
    }},
}
# The Error component as the schema of an endpoint's own error status (extend_schema's `responses`).
ERROR_REF = {"$ref": "#/components/schemas/Error"}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": ("Requests allowed in the tighter of the plan's minute and day windows.", "integer"),
    "X-RateLimit-Remaining": ("Requests left in that window.", "integer"),
    "X-RateLimit-Reset": ("When that window resets (epoch s).", "integer"),
}
AUTHENTICATED_ERRORS = {
    "401": "No credentials, or an invalid or revoked API key.",
    "403": "The plan has no API access, a read-only key tried to write, or the session's CSRF token is missing.",
    "429": "Over the plan's rate limit: wait Retry-After seconds.",
}
UNMETERED = {"401", "403"}  # refused before the throttle counted the request


def _header(description: str, kind: str) -> dict[str, object]:
    return {"schema": {"type": kind}, "description": description}


def error_responses(result: dict[str, Any], generator: SchemaGenerator, request: Request | None,
                    public: bool) -> dict[str, Any]:
    """Add the Error component, each operation's error responses and the rate-limit headers.

    `result` is the OpenAPI document as JSON, read and extended in place at any depth (hence Any)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            errors = dict(AUTHENTICATED_ERRORS)
            if operation.get("requestBody") or any(p["in"] == "query" for p in operation.get("parameters", [])):
                errors["400"] = "Bad input: `fields` names each field at fault and why."
            if "{" in path:
                errors["404"] = "No such object for your tenant."
            responses = operation["responses"]
            for status, description in sorted(errors.items()):
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            for status, response in responses.items():
                if status not in UNMETERED:
                    headers = response.setdefault("headers", {})
                    headers.update({name: _header(*spec) for name, spec in RATE_LIMIT_HEADERS.items()})
            responses["429"]["headers"]["Retry-After"] = _header("Seconds to wait before the next request.", "integer")
    return result
