"""The tenant isolation helper: another tenant's user gets 404 on read, update and delete.

Usage, for any tenant-owned route:

    assert_other_tenant_gets_404(client, outsider=charlie, url=url, update_data={...})
    assert_other_tenant_gets_404(api_client, url=url, headers=charlie_key_headers)   # API

and then assert that the object is unchanged.
"""

from __future__ import annotations

import json

from django.test import Client

METHODS = ("get", "post", "put", "patch", "delete")


def assert_other_tenant_gets_404(
    client: Client,
    *,
    url: str,
    outsider=None,
    headers: dict[str, str] | None = None,
    methods: tuple[str, ...] = METHODS,
    update_data: dict | None = None,
) -> None:
    """Every method in `methods` on `url` answers 404 (never 403, never data) for the outsider."""
    if outsider is not None:
        client.force_login(outsider)
    body = update_data or {}
    for method in methods:
        call = getattr(client, method)
        if method in ("put", "patch"):
            response = call(url, data=json.dumps(body), content_type="application/json", headers=headers or {})
        elif method == "post":
            response = call(url, data=body, headers=headers or {})
        else:
            response = call(url, headers=headers or {})
        assert response.status_code == 404, (
            f"{method.upper()} {url} by another tenant answered {response.status_code}, not 404"
        )
        text = response.content.decode(errors="replace")
        assert "Traceback" not in text
