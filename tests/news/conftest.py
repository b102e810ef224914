"""Fixtures of the news tests: the instrument catalogue, and a real HTTP server on 127.0.0.1 serving the
feeds the tests ship (tests/news/fixtures), plus hostile answers: a body too big, a redirect to a
private address, a redirect loop."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from market.services import instrument_catalogue_load

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HUGE_BYTES = 3_000_000


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.endswith(".xml"):
            self._send(200, (FIXTURES / self.path.lstrip("/")).read_bytes())
        elif self.path == "/huge":  # streamed without a Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            chunk = b"<!-- " + b"x" * 65_000 + b" -->\n"
            for _ in range(HUGE_BYTES // len(chunk) + 1):
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
        elif self.path == "/moved":
            self._redirect("/rss.xml")
        elif self.path == "/to-private":
            self._redirect("http://10.0.0.1/feed.xml")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/loop":
            self._redirect("/loop")
        else:
            self._send(404, b"not here")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server(settings):
    """The base URL of a real HTTP server on 127.0.0.1 serving the shipped feeds; plain http and loopback
    are let through the SSRF guard for it (as the alerts tests let their receiver in)."""
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True
    settings.ALERTS_OUTBOUND_ALLOW_LOOPBACK = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()
