"""The Content-Security-Policy walk, generated from the URL conf: every page of the website, as a
signed-in member (also as htmx asks for its partials) and as a visitor, has no inline script, no inline
style, no on*="" handler, and carries the enforced policy with no 'unsafe-inline' or 'unsafe-eval'.

An inline script or style would be blocked by the browser under the policy (the page breaks); a new
page with one fails here first.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.inline_code import inline_code_found
from tests.security.page_walk import page_world_build, route_urls

MIN_PAGES = 40  # the website has more; fewer means the walk lost its way


@pytest.fixture
def world(db):
    return page_world_build()


def policy_problems(url: str, policy: str | None) -> list[str]:
    if not policy:
        return [f"{url}: no Content-Security-Policy header"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    problems = [f"{url}: the policy allows {word}" for word in ("'unsafe-inline'", "'unsafe-eval'") if word in policy]
    for name, expected in (("script-src", ["'self'"]), ("object-src", ["'none'"]), ("frame-ancestors", ["'none'"]),
                           ("default-src", ["'self'"]), ("base-uri", ["'self'"])):
        if directives.get(name) != expected:
            problems.append(f"{url}: {name} is {directives.get(name)}, not {expected}")
    return problems


def _get(client: Client, url: str, headers: dict[str, str]):
    """The page at `url`; a redirect within the site (to the login page, a set-password form) followed once."""
    response = client.get(url, headers=headers)
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    if location.startswith("/"):
        return location, client.get(location, headers=headers)
    return url, response


def walk_problems(client: Client, urls: list[str], headers: dict[str, str]) -> tuple[int, list[str]]:
    """(how many HTML pages were read, what in them the enforced CSP would block or allow wrongly)."""
    pages, problems = 0, []
    for url in urls:
        shown, response = _get(client, url, headers)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages += 1
        problems += policy_problems(shown, response.get("Content-Security-Policy"))
        problems += [f"{shown}: {found}" for found in inline_code_found(response.content.decode())]
    return pages, problems


def test_every_route_with_arguments_can_be_walked(world):
    _, undeclared = route_urls(world)

    assert not undeclared, ("Give these routes' arguments in PUBLIC_KWARGS (tests/security/page_walk.py) or "
                            f"declare them Owned in tests/isolation/routes.py: {undeclared}")


@pytest.mark.parametrize("as_htmx", [False, True], ids=["page", "htmx-partial"])
def test_no_page_a_member_sees_has_inline_script_style_or_handler(world, as_htmx):
    client = Client()
    client.force_login(world.alice)
    urls, _ = route_urls(world)

    pages, problems = walk_problems(client, urls, {"HX-Request": "true"} if as_htmx else {})

    assert pages >= MIN_PAGES
    assert problems == []


def test_no_page_a_visitor_sees_has_inline_script_style_or_handler(world):
    urls, _ = route_urls(world)

    pages, problems = walk_problems(Client(), urls, {})

    assert pages >= 10
    assert problems == []
