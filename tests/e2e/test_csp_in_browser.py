"""The enforced Content-Security-Policy in a real Chromium: the dashboard, a signal's page, an
instrument's chart and the API docs load with no violation reported (neither the page's
securitypolicyviolation event nor a console message), the live feed still connects over its
ws:// origin, the bars and meters get their widths from data-width, and lightweight-charts'
attribution style (allowed by its hash) is applied."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import pro_world, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before any script of each page (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.effectiveDirective + " blocked " + (event.blockedURI || "inline")
                              + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP complaint Chromium makes on its console collected in `page.csp_console`."""
    page.csp_console = []
    page.on("console", lambda message: page.csp_console.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.csp_console


def test_the_dashboard_and_a_signal_page_run_under_the_csp_with_the_live_feed(watched, asgi_server, tenant_a,
                                                                              alice):
    page, url = watched, asgi_server.url
    world = pro_world(tenant_a, alice)

    sign_in(page, url, alice.email)
    expect(page.locator("#feed-state")).to_have_text("Live", timeout=15_000)
    meter = page.locator(".meter span").first
    expect(meter).to_have_attribute("style", "width: " + meter.get_attribute("data-width") + "%;")
    dashboard = _violations(page)

    page.goto(f"{url}/app/signals/{world['open_goog'].pk}/")
    page.wait_for_selector("#signal-chart[data-drawn-ms]")
    logo = page.locator("a#tv-attr-logo")
    expect(logo).to_have_count(1)
    assert logo.evaluate("element => getComputedStyle(element).position") == "absolute"  # the hashed style
    signal = _violations(page)

    assert dashboard == []
    assert signal == []
    # The watch's own proof: an inline style slipped in now is blocked and reported.
    page.evaluate("document.body.setAttribute('style', 'outline: 1px solid red')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any(v.startswith("style-src-attr blocked inline") for v in _violations(page))


def test_an_instrument_chart_and_the_api_docs_run_under_the_csp(watched, asgi_server, tenant_a, alice):
    page, url = watched, asgi_server.url
    pro_world(tenant_a, alice)
    sign_in(page, url, alice.email)

    page.goto(f"{url}/app/instruments/GOOG/?tf=D1")
    page.wait_for_selector("#instrument-chart[data-drawn-ms]")
    page.locator("input[name=overlay][value=ema]").check()  # data-autosubmit sends the form
    page.wait_for_url("**overlay=ema**")
    page.wait_for_selector("#instrument-chart[data-drawn-ms]")
    instrument = _violations(page)

    page.goto(f"{url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Beacon API", timeout=15_000)
    docs = _violations(page)

    assert instrument == []
    assert docs == []
