"""The Content-Security-Policy, enforced on every response (django-csp), with the live feed's origin.

The policy itself is CONTENT_SECURITY_POLICY in config/settings/base.py: scripts, styles and
connections from this site only, no inline script, no inline style attribute, no eval. The one thing
it cannot say statically is the WebSocket origin of the live feed (ws:// or wss:// and the host the
page was served from), which this middleware adds to connect-src for each request.
"""

from __future__ import annotations

import functools

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase

# What a view or a template can ask of django-csp for one response; none of them is used today.
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")


def websocket_origin(request: HttpRequest) -> str | None:
    """The ws:// or wss:// origin of the host `request` came to; None for a host we do not serve."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


@functools.lru_cache(maxsize=64)
def _policy(origin: str | None) -> str:
    """The header for pages served to `origin`: the same text every time, so built once per origin (by
    django-csp, as for any other response); a host we do not serve is refused before a view runs."""
    return build_policy(update={"connect-src": [origin]} if origin is not None else None)


class FeedOriginCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with connect-src extended by this request's WebSocket origin."""

    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = websocket_origin(request)
        if not report_only and origin is not None:
            parts.update = {**(parts.update or {}), "connect-src": [origin]}
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # The usual response (no nonce, nothing asked per response, no report-only policy or excluded
        # prefix) gets the policy built once per origin; django-csp rebuilt it twice a request, a tenth
        # of an API request's time. Anything else goes through django-csp as before.
        if (getattr(request, "_csp_nonce", None) is not None or settings.DEBUG
                or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
                or settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES")
                or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)):
            return super().process_response(request, response)
        if HEADER not in response and not getattr(response, "_csp_exempt", False):
            response[HEADER] = _policy(websocket_origin(request))
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp: too late now
        return response
