"""The main pages at a phone's width and a desktop's: nothing makes the page scroll sideways at
360 px (wide tables scroll in their own box), and each page is captured at 375 and 1280 px into
var/e2e-artifacts/pages/ for a person to look at. Keyboard use: the first Tab reaches "Skip to
content", and the theme toggle's choice outlives a reload."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.pages import pro_world, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC = ["/", "/pricing/", "/accounts/login/", "/accounts/signup/"]


def _member_pages(world: dict) -> list[str]:
    return ["/app/", "/app/signals/", f"/app/signals/{world['closed'].pk}/", f"/app/signals/{world['open_eurusd'].pk}/",
            "/app/instruments/GOOG/?tf=D1&overlay=ema&overlay=bollinger&overlay=vwap", "/app/markets/",
            "/app/watchlists/", "/app/backtests/", "/app/backtests/new/", "/accounts/settings/profile/"]


def _shoot(page, url: str, path: str) -> list[str]:
    """Screenshots at both widths; the path if the page scrolls sideways at 360 px."""
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    wide = []
    for width in (360, 375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url + path)
        if page.locator(".chart").count():
            page.wait_for_selector(".chart[data-drawn-ms]")
        if width == 360 and page.evaluate("document.documentElement.scrollWidth") > 360:
            wide.append(path)
        if width != 360:
            page.screenshot(path=str(ARTIFACTS / "pages" / f"{name}-{width}.png"), full_page=True)
    return wide


def test_the_main_pages_fit_a_phone_and_are_captured_at_both_widths(page, asgi_server, tenant_a, alice):
    world = pro_world(tenant_a, alice)
    (ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
    url = asgi_server.url

    too_wide = [path for path in PUBLIC for path in _shoot(page, url, path)]
    sign_in(page, url, alice.email)
    too_wide += [path for path in _member_pages(world) for path in _shoot(page, url, path)]

    page.emulate_media(color_scheme="dark")  # the dark theme, from the system's preference
    for path in ("/app/", f"/app/signals/{world['closed'].pk}/"):
        page.goto(url + path)
        if page.locator(".chart").count():
            page.wait_for_selector(".chart[data-drawn-ms]")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 20, 26)"
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(ARTIFACTS / "pages" / f"{name}-dark-1280.png"), full_page=True)
    assert too_wide == []


def test_the_first_tab_reaches_skip_to_content_and_the_theme_choice_is_kept(page, asgi_server, tenant_a, alice):
    url = asgi_server.url
    page.goto(url + "/accounts/login/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"

    page.get_by_role("button", name="Theme: auto").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    expect(page.locator("#theme-toggle")).to_have_text("Theme: dark")


def test_on_a_phone_the_menu_button_opens_the_navigation(page, asgi_server, tenant_a, alice):
    url = asgi_server.url
    sign_in(page, url, alice.email)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(url + "/app/")
    signals = page.get_by_role("navigation", name="Main").get_by_role("link", name="Signals")
    expect(signals).to_be_hidden()

    page.get_by_role("button", name="Menu").click()

    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    signals.click()
    page.wait_for_url(url + "/app/signals/")
