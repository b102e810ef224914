"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Two servers: pytest-django's `live_server` (WSGI, HTTP only) and `asgi_server`, the real ASGI
application (HTTP and the WebSocket live feed) served by daphne in a thread of this process, so a
test can sign up, read the email it was sent (Django's locmem outbox) and receive a signal it
publishes through the real publishing path, on the page that is open.

On a failure, the pages the test visited are captured at phone (375 px) and desktop (1280 px)
widths into var/e2e-artifacts/<test>/ (E2E_ARTIFACTS overrides the folder), with the page as it was.
"""

import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import free_port, port_wait

# Playwright's sync API runs an event loop in this thread; the ORM calls these tests make are sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "e2e-artifacts"))
WIDTHS = {"phone": 375, "desktop": 1280}
MAX_PAGES_CAPTURED = 8


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so a fixture can tell whether its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))


def _capture(context, node, visited: list[str], current) -> Path:
    """Screenshots of the page as the failure left it, then of each page visited, at both widths."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", node.nodeid)[-120:]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        current.screenshot(path=str(folder / "at-failure.png"), full_page=True)
    except Exception as error:  # the page may be gone with the failure; the others are still worth having
        (folder / "at-failure.txt").write_text(f"no screenshot: {error}\n")
    shot = context.new_page()
    for number, url in enumerate(visited[:MAX_PAGES_CAPTURED], 1):
        name = (re.sub(r"[^\w]+", "-", urlsplit(url).path).strip("-") or "home")[:40]
        for label, width in WIDTHS.items():
            try:
                shot.set_viewport_size({"width": width, "height": 900})
                shot.goto(url, wait_until="load", timeout=10_000)
                shot.screenshot(path=str(folder / f"{number:02d}-{name}-{label}-{width}.png"), full_page=True)
            except Exception as error:
                (folder / f"{number:02d}-{name}-{label}.txt").write_text(f"{url}: {error}\n")
    return folder


@pytest.fixture
def page(request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        opened = context.new_page()
        visited: list[str] = []

        def remember(frame):
            if frame == opened.main_frame and frame.url.startswith("http") and frame.url not in visited:
                visited.append(frame.url)

        opened.on("framenavigated", remember)
        yield opened
        if _failed(request.node):
            folder = _capture(context, request.node, visited, opened)
            print(f"\nscreenshots of the failure: {folder}")
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


class AsgiServer:
    """config.asgi's application served by daphne in a daemon thread of this process: HTTP and WebSocket.

    Twisted's reactor runs once per process, so the server lives for the session; each test's data is
    its own (transactional_db). In this process, the locmem outbox holds the mail it sends and, without
    REDIS_URL, the in-memory channel layer carries the feed (the feed hub reads it on the server's loop,
    and config.channel_sender sends there); with REDIS_URL the layer is Redis, as in production.
    """

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> "AsgiServer":
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server

        from config.asgi import application

        self.server = Server(application, endpoints=build_endpoint_description_strings(host="127.0.0.1",
                                                                                        port=self.port),
                             signal_handlers=False, verbosity=0)
        threading.Thread(target=self.server.run, name="e2e-daphne", daemon=True).start()
        port_wait(self.port, what="daphne in a thread")
        return self

    def feed_hub_stop(self) -> None:
        """Stop the server's feed hub: its database thread closes its connection (or the test database
        could not be dropped), and no stream key it received lingers into the next test."""
        import asyncio

        from daphne.server import twisted_loop

        from signals.feed_hub import feed_hub_stop

        asyncio.run_coroutine_threadsafe(feed_hub_stop(), twisted_loop).result(timeout=30)

    def stop(self) -> None:
        from twisted.internet import reactor

        self.feed_hub_stop()
        reactor.callFromThread(reactor.stop)


@pytest.fixture(scope="session")
def _asgi_server_of_session(django_db_setup, django_db_blocker):
    server = AsgiServer().start()
    yield server
    server.stop()


@pytest.fixture
def asgi_server(_asgi_server_of_session):
    """The ASGI application (HTTP and the live feed's WebSocket) on the test database. Daphne serves
    for the session; its feed hub is stopped after each test, so a stream key a page joined does not
    outlive the test (one channel layer cannot receive on two event loops: the feed tests' own)."""
    yield _asgi_server_of_session
    _asgi_server_of_session.feed_hub_stop()
