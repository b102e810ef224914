"""Fixtures of the alert delivery tests: plans, events, a real HTTP receiver on 127.0.0.1, recorded
Telegram and Discord answers (the one outbound client replaced), and VAPID keys."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import pytest
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from accounts import services as accounts_services
from alerts.channels.public_network import PublicSession
from alerts.models import AlertEvent, Channel, Destination
from billing.models import Plan, Subscription
from config.celery_app import app as celery_app
from config.outbound import HttpClient
from tests.alerts.recorded_http import RecordedTransport

_fired = count(1)

SIGNAL_PAYLOAD = {"signal": {"symbol": "EURUSD", "timeframe": "H1", "direction": "short", "entry": "1.08420",
                             "stop_loss": "1.08710", "take_profits": ["1.08130", "1.07840"], "confidence": 0.71}}


def subscribe(tenant, plan: str) -> None:
    """The tenant on `plan`, active."""
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=plan),
                                                                   "status": "active"})


def alert_event(*, tenant, member, channels, title="EURUSD short on H1", payload=None, text="Confluence 4 of 5.",
                **fields) -> AlertEvent:
    return AlertEvent.objects.create(tenant=tenant, member=member, channels=list(channels), title=title, text=text,
                                     payload=SIGNAL_PAYLOAD if payload is None else payload,
                                     fired_for=f"rule-1:{next(_fired)}", **fields)


def destination(*, tenant, member, channel, **fields) -> Destination:
    defaults = {Channel.WEBHOOK: {"url": "https://hooks.example.com/beacon", "secret": "whsec_" + "ab" * 32},
                Channel.TELEGRAM: {"chat_id": 424242, "label": "alice"},
                Channel.DISCORD: {"url": "https://discord.com/api/webhooks/1234567890123456789/" + "T" * 68}}
    return Destination.objects.create(tenant=tenant, member=member, channel=channel,
                                      **{**defaults.get(channel, {}), **fields})


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def premium_a(tenant_a):
    subscribe(tenant_a, "premium")
    return tenant_a


def key_headers(tenant, member, *, scope: str = "write") -> dict[str, str]:
    """Headers with a new API key of `tenant` created by `member`."""
    _, plaintext = accounts_services.api_key_create(tenant=tenant, name="alerts", scope=scope, created_by=member)
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def local_receivers_allowed(settings):
    """Plain http to 127.0.0.1, for a receiver in the test; everything else stays refused."""
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True
    settings.ALERTS_OUTBOUND_ALLOW_LOOPBACK = True
    settings.ALERTS_SEND_TIMEOUT_SECONDS = 2.0
    return settings


# --- a real HTTP server on 127.0.0.1 ------------------------------------------------------------

@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each request with the next reply: (status, headers, body bytes), or a function of the
    Received request giving one. Keeps every request."""

    replies: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    delay: float = 0.0

    def answer(self, request: Received):
        reply = self.replies.pop(0) if self.replies else (200, {}, b"ok")
        return reply(request) if callable(reply) else reply


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        request = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        receiver.received.append(request)
        if receiver.delay:
            threading.Event().wait(receiver.delay)
        status, headers, reply = receiver.answer(request)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 (a random port) in a thread, for webhooks and push."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.receiver  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


# --- recorded Telegram and Discord answers --------------------------------------------------------

@pytest.fixture
def recorded(monkeypatch):
    """Make the channels' outbound client answer from tests/alerts/recorded/ (the files named, in order),
    through the real public-only session. Returns the transport, which keeps the requests."""
    transport = RecordedTransport()

    def client() -> HttpClient:
        session = PublicSession()
        session.mount("https://", transport)
        return HttpClient(session=session, attempts=1, timeout=2.0)

    monkeypatch.setattr("alerts.channels.base.http_client", client)
    return transport


@pytest.fixture
def telegram_bot(settings):
    settings.TELEGRAM_BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
    settings.TELEGRAM_BOT_USERNAME = "BeaconAlertsBot"
    settings.TELEGRAM_WEBHOOK_SECRET = "telegram-webhook-secret-0123456789"
    return settings


# --- VAPID ---------------------------------------------------------------------------------------

def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def vapid(settings):
    """A fresh VAPID key pair in settings, as a deployment configures it (base64url, raw)."""
    key = Vapid02()
    key.generate_keys()
    settings.VAPID_PRIVATE_KEY = b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = b64url(key.public_key.public_bytes(serialization.Encoding.X962,
                                                                   serialization.PublicFormat.UncompressedPoint))
    settings.VAPID_SUBJECT = "mailto:alerts@beacon.example"
    return settings
