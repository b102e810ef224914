"""The CSRF walk, generated from the URL conf: a POST without the CSRF token, from a signed-in member's
browser session, is refused by every route (website and API alike; 405 where a route takes no POST)
and changes nothing. The only
exceptions are the receivers of other services' webhooks, named below: no browser session reaches them
and each verifies its sender's signature or secret instead (tests/billing, tests/alerts/test_telegram.py).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import clear_url_caches, reverse

from tests.isolation.world import tenant_rows
from tests.security.page_walk import page_world_build, route_urls

EXEMPT = {
    "stripe_webhook": "Stripe signs each event (Stripe-Signature, 300 s tolerance)",
    "alerts:telegram_webhook": "Telegram sends the secret token we gave setWebhook",
}


@pytest.fixture
def world(db):
    return page_world_build()


def csrf_problems(client: Client, urls: list[str]) -> list[str]:
    """Each URL that answers a token-less POST with anything but a refusal: 403 (the CSRF check), or 405
    from a route that takes no POST at all (public API reads that use no session)."""
    problems = []
    for url in urls:
        response = client.post(url, data={"name": "forged", "label": "forged", "email": "forged@example.com"})
        if response.status_code not in (403, 405):
            problems.append(f"POST {url} without a CSRF token answered {response.status_code}")
    return problems


def _member(world, *, csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(world.alice)
    return client


def test_every_route_refuses_a_post_without_the_csrf_token_and_changes_nothing(world):
    urls, _ = route_urls(world)
    exempt = {reverse(name) for name in EXEMPT}
    alice = _member(world, csrf=True)  # (signing in writes her last login)
    before = tenant_rows(world.tenant_a)

    problems = csrf_problems(alice, [url for url in urls if url not in exempt])

    assert len(urls) > 100
    assert problems == []
    assert tenant_rows(world.tenant_a) == before


def test_the_exempt_webhook_receivers_refuse_an_unsigned_request(world, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = "a-secret-we-gave-telegram"
    client = Client(enforce_csrf_checks=True)

    answers = {name: client.post(reverse(name), data="{}", content_type="application/json").status_code
               for name in EXEMPT}

    assert all(400 <= status < 500 for status in answers.values()), answers


def test_the_walk_catches_a_route_that_is_exempt_from_csrf(world, settings):
    """The walk's own proof: a csrf_exempt view that writes is reported."""
    settings.ROOT_URLCONF = "tests.security.csrf_exempt_urls"
    clear_url_caches()
    try:
        problems = csrf_problems(_member(world, csrf=True), [reverse("forgeable")])
    finally:
        clear_url_caches()

    assert problems == ["POST /forgeable/ without a CSRF token answered 200"]
