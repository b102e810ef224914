"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls these tests make are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()
        # While Playwright's event loop runs, the test's ORM calls get a connection of their own
        # (asgiref's context-local storage); close it here, or the test database cannot be dropped.
        from django.db import connections

        connections.close_all()


@pytest.fixture(autouse=True)
def _plan_catalogue(transactional_db):
    """The plans the migrations seed: an earlier transactional test's flush may have emptied them."""
    from billing.services import plan_catalogue_seed

    plan_catalogue_seed()
