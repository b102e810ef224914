"""The signal list filters in place with htmx: the results change, the page does not reload, and the
address bar keeps the filters (a reload or a shared link shows the same list)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import pro_world, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_choosing_an_asset_class_filters_in_place_and_keeps_the_url(page, asgi_server, tenant_a, alice):
    world = pro_world(tenant_a, alice, bars=60)
    url = asgi_server.url
    sign_in(page, url, alice.email)
    page.goto(url + "/app/signals/")
    page.evaluate("window.notReloaded = true")
    results = page.locator("#signal-results")
    expect(results).to_contain_text("3 signals")

    page.get_by_label("Asset class").select_option("forex")

    expect(results).to_contain_text("1 signal")
    expect(page).to_have_url(re.compile(r"/app/signals/\?.*asset_class=forex"))
    assert page.evaluate("window.notReloaded") is True
    expect(results.get_by_role("link", name=re.compile("EURUSD"))).to_have_attribute(
        "href", f"/app/signals/{world['open_eurusd'].pk}/")
    expect(results.get_by_role("link", name=re.compile("GOOG"))).to_have_count(0)

    page.reload()
    expect(results).to_contain_text("1 signal")
    expect(page.get_by_label("Asset class")).to_have_value("forex")
