"""The policy itself: enforced (not report-only), the live feed's own ws:// or wss:// origin in
connect-src, htmx configured without eval, and the one hashed inline style being exactly the one
lightweight-charts injects for its attribution logo."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.security.inline_code import inline_code_found

LIGHTWEIGHT_CHARTS = (Path(settings.BASE_DIR) / "static" / "vendor" / "lightweight-charts"
                      / "lightweight-charts.standalone.production.js")


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_the_policy_is_enforced_and_not_only_reported(client, db):
    response = client.get("/")

    assert "Content-Security-Policy" in response
    assert "Content-Security-Policy-Report-Only" not in response
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"][0] == "'self'" and len(directives["style-src"]) == 2
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["form-action"][0] == "'self'"
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def test_connect_src_allows_the_live_feed_on_the_host_and_scheme_the_page_came_from(db):
    plain = _directives(Client().get("/"))["connect-src"]
    secure = _directives(Client().get("/", secure=True, headers={"Host": "localhost"}))["connect-src"]

    assert plain == ["'self'", "ws://testserver"]
    assert secure == ["'self'", "wss://localhost"]


def test_the_policy_built_once_per_origin_is_the_one_django_csp_builds_for_each_response(db):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.csp import FeedOriginCSPMiddleware

    for secure in (False, True):
        requests = [RequestFactory().get("/api/v1/signals/", secure=secure) for _ in range(2)]
        ours = FeedOriginCSPMiddleware(HttpResponse).process_response(requests[0], HttpResponse())
        # django-csp's own process_response, with our policy parts (the feed's origin in connect-src)
        theirs = CSPMiddleware.process_response(FeedOriginCSPMiddleware(HttpResponse), requests[1], HttpResponse())

        assert _directives(ours) == _directives(theirs)
        assert _directives(ours)["connect-src"] == ["'self'", f"{'wss' if secure else 'ws'}://testserver"]


def test_a_request_for_a_host_we_do_not_serve_gets_no_websocket_origin(db):
    response = Client().get("/", headers={"Host": "evil.example"})

    assert response.status_code == 400
    assert "evil.example" not in response.get("Content-Security-Policy", "")


def test_the_hashed_style_is_the_attribution_style_lightweight_charts_injects():
    """The vendored library creates one <style> element (its logo's); its text's hash is in style-src.
    Upgrading the library changes the text: this test then names the hash to put in the settings."""
    source = LIGHTWEIGHT_CHARTS.read_text()
    styles = re.findall(r'createElement\("style"\),this\.\w+\.innerText="([^"]*)"', source)
    assert len(styles) == 1 and source.count('createElement("style")') == 1

    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()

    assert f"'sha256-{digest}'" == settings.LIGHTWEIGHT_CHARTS_ATTRIBUTION_STYLE_HASH
    assert f"'sha256-{digest}'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]


def test_htmx_runs_without_eval_script_tags_or_its_injected_styles(client, db):
    page = client.get("/").content.decode()

    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page)[1])

    assert config == {"allowEval": False, "allowScriptTags": False, "includeIndicatorStyles": False}
    assert inline_code_found(page) == []


def test_the_api_docs_page_loads_its_script_from_a_url_and_not_inline(client, db):
    page = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert page.status_code == 200 and inline_code_found(page.content.decode()) == []
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
