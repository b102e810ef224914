"""The Content-Security-Policy, enforced on every response (django-csp), with the live feed's origin.

The policy itself is CONTENT_SECURITY_POLICY in config/settings/base.py: scripts, styles and
connections from this site only, no inline script, no inline style attribute, no eval. The one thing
it cannot say statically is the WebSocket origin of the live feed (ws:// or wss:// and the host the
page was served from), which this middleware adds to connect-src for each request.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


def websocket_origin(request: HttpRequest) -> str | None:
    """The ws:// or wss:// origin of the host `request` came to; None for a host we do not serve."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class FeedOriginCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with connect-src extended by this request's WebSocket origin."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = websocket_origin(request)
        if not report_only and origin is not None:
            parts.update = {**(parts.update or {}), "connect-src": [origin]}
        return parts
