"""`make audit` (python -m lockaudit): pip-audit's service is probed, and only when it cannot be reached
(refused, timed out, or no per-version data) does the check fall back to the vendored advisories."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from lockaudit.__main__ import main, service_unreachable


@pytest.fixture
def closed_port_url():
    """A loopback URL whose port refuses connections: bound once for a free port, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pypi"


@pytest.fixture
def service_answering():
    """Start a loopback server answering every GET with the given status; yields a function returning its URL."""
    servers = []

    def start(status):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/pypi"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_refused_connection_makes_the_service_unreachable(closed_port_url):
    reason = service_unreachable(service=closed_port_url, timeout=5)

    assert "cannot be reached (ConnectionError)" in reason


def test_a_404_for_a_release_that_exists_makes_the_service_unreachable(service_answering):
    reason = service_unreachable(service=service_answering(404), timeout=5)

    assert "/pip-audit/" in reason
    assert "404" in reason


def test_a_service_that_answers_is_used(service_answering):
    assert service_unreachable(service=service_answering(200), timeout=5) is None


def test_any_other_failure_of_the_service_is_an_error_not_a_fallback(service_answering):
    with pytest.raises(requests.HTTPError):
        service_unreachable(service=service_answering(503), timeout=5)


def test_offline_the_vendored_advisories_report_django_4_2_14(closed_port_url, tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("--find-links /opt/wheels\ndjango==4.2.14\n    # via beacon (pyproject.toml)\n")

    exit_code = main(["--lock", str(lock), "--service", closed_port_url])

    out = capsys.readouterr().out
    assert exit_code == 1
    assert "pip-audit cannot run" in out
    assert "PyPA advisory database of 2024-10-10" in out
    assert "packages checked: 1\n" in out
    assert "django==4.2.14: PYSEC-2024-70 (CVE-2024-42005); fixed in: 4.2.15, 5.0.8\n" in out


def test_offline_our_lock_passes(closed_port_url, capsys):
    exit_code = main(["--service", closed_port_url])

    out = capsys.readouterr().out
    assert exit_code == 0
    assert "known vulnerabilities: 0\n" in out
