"""Fixtures of the alerts tests: instruments, plans, actors and bars ingested as a live feed would (the
rules side); fired events, destinations, a real HTTP receiver on 127.0.0.1, recorded Telegram and
Discord answers (the one outbound client replaced), and VAPID keys (the deliveries side)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from django.utils import timezone
from py_vapid import Vapid02

from accounts.models import Role
from accounts.services import api_key_create
from alerts.channels.discord import discord_shown_url
from alerts.channels.public_network import PublicSession
from alerts.firing import claims_forget
from alerts.models import AlertEvent, AlertRule, Channel, Destination
from alerts.services import alert_rule_create
from billing.models import Plan, Subscription
from config.celery_app import app as celery_app
from config.outbound import HttpClient
from market.arrays import BarArrays
from market.models import Instrument
from market.services import bars_ingest, instrument_catalogue_load
from signals.models import Signal
from signals.services import strategy_default_ensure
from tests.alerts.recorded_http import RecordedTransport
from watchlists.actors import Actor

START = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = 3600
_fired = count(1)


def subscribe(tenant, plan: str) -> None:
    """The tenant on `plan`, active."""
    Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=plan),
                                                                   "status": "active"})


@pytest.fixture(autouse=True)
def _claims_forgotten():
    """Each test starts with no close remembered as claimed by this process (its database is new)."""
    claims_forget()
    yield
    claims_forget()


@pytest.fixture
def eager_tasks():
    """Celery tasks run in the test's process when sent, a closed-bar event's included."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def key_headers(tenant, created_by=None, *, scope: str = "write") -> dict[str, str]:
    """Headers with a new API key of `tenant`, created by `created_by` (a member, or None)."""
    _, plaintext = api_key_create(tenant=tenant, name="alerts", scope=scope, created_by=created_by)
    return {"Authorization": f"Bearer {plaintext}"}


# --- the rules side: instruments, actors, bars ----------------------------------------------------------

@pytest.fixture
def catalogue(db):
    instrument_catalogue_load()


@pytest.fixture
def btc(catalogue) -> Instrument:
    return Instrument.objects.get(symbol="BTCUSD")


@pytest.fixture
def eth(catalogue) -> Instrument:
    return Instrument.objects.get(symbol="ETHUSD")


@pytest.fixture
def alice_actor(alice, tenant_a) -> Actor:
    """Alice, owner of tenant A, on the Pro plan."""
    subscribe(tenant_a, "pro")
    return Actor.member(tenant=tenant_a, user=alice, manages=True)


@pytest.fixture
def bob_actor(bob, tenant_a) -> Actor:
    return Actor.member(tenant=tenant_a, user=bob, manages=bob.memberships.get().role != Role.MEMBER)


def bar_time(index: int) -> datetime:
    """The open time of the hourly bar `index` of the test feed."""
    return START + timedelta(hours=index)


def bars_of(closes, *, first: int = 0, volumes=None) -> BarArrays:
    """Hourly bars from `first` on, each opening at the close before it."""
    closes = np.asarray(closes, dtype=np.float64)
    opens = np.concatenate([[closes[0]], closes[:-1]])
    volumes = np.full(len(closes), 100.0) if volumes is None else np.asarray(volumes, dtype=np.float64)
    times = np.array([int(bar_time(first + i).timestamp()) for i in range(len(closes))], dtype=np.int64)
    return BarArrays(times, opens, np.maximum(opens, closes) + 0.5, np.minimum(opens, closes) - 0.5, closes, volumes)


@pytest.fixture
def feed(eager_tasks, django_capture_on_commit_callbacks):
    """feed(instrument, closes, first=0): ingest hourly bars as closed, so their closed-bar events run
    every task of BAR_CLOSED_TASKS (eagerly) after the commit, as a live provider's would."""

    def ingest(instrument: Instrument, closes, *, first: int = 0, volumes=None) -> None:
        bars = bars_of(closes, first=first, volumes=volumes)
        closed_at = bar_time(first + len(closes))
        with django_capture_on_commit_callbacks(execute=True):
            bars_ingest(instrument=instrument, timeframe="H1", bars=bars, source="test", emit_events=True,
                        now=closed_at)

    return ingest


def a_rule(actor: Actor, **fields):
    """alert_rule_create with plain defaults: an in-app price rule on H1."""
    defaults = {"name": "Test alert", "kind": "price", "timeframe": "H1", "op": "crosses_up", "value": 100.0,
                "channels": ["in_app"]}
    return alert_rule_create(actor=actor, **(defaults | fields))

# --- the deliveries side: fired events, destinations, receivers ----------------------------------------

def signal_event_rule(*, tenant, member, channels) -> AlertRule:
    """A signal rule of `member` on every instrument, made as a member could not (any channel, whatever the
    plan), so that the deliveries decide what the plan allows."""
    return AlertRule.objects.create(tenant=tenant, name="EURUSD signals", created_by=member, kind="signal",
                                    op="published", channels=list(channels))


def alert_event(*, tenant, member, channels, title="EURUSD short on H1") -> AlertEvent:
    """An event of a new EURUSD H1 SELL signal (entry 1.08420, stop 1.08710, targets 1.08130, 1.07840,
    1.07550, confidence 0.71) fired by a signal rule of `member` asking for `channels`; `title` is what
    fired, in words (the event's message)."""
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    now = timezone.now()
    signal = Signal.objects.create(
        instrument=eurusd, asset_class=eurusd.asset_class, timeframe="H1", direction="SELL", score=-0.6,
        confidence=0.71, entry=1.0842, stop=1.0871, target_1=1.0813, target_2=1.0784, target_3=1.0755,
        risk_reward=2.0, position_size_fraction=0.2, regime="trending_down", reasoning="Confluence 4 of 5.",
        strategy=strategy_default_ensure(), bar_time=now - timedelta(hours=1), created_at=now,
        valid_until=now + timedelta(days=2))
    rule = signal_event_rule(tenant=tenant, member=member, channels=channels)
    return AlertEvent.objects.create(tenant=tenant, rule=rule, trigger_key=f"signal:{signal.pk}:{next(_fired)}",
                                     instrument=eurusd, timeframe="H1", signal=signal, fired_at=now, message=title)


def destination(*, tenant, member, channel, **fields) -> Destination:
    defaults = {Channel.WEBHOOK: {"url": "https://hooks.example.com/beacon", "secret": "whsec_" + "ab" * 32},
                Channel.TELEGRAM: {"chat_id": 424242, "label": "alice"},
                Channel.DISCORD: {"url": "https://discord.com/api/webhooks/1234567890123456789/" + "T" * 68}}
    fields = {**defaults.get(channel, {}), **fields}
    if channel == Channel.DISCORD:  # as discord_webhook_add stores it: the token sealed, the URL shown without
        fields["discord_url"], fields["url"] = fields["url"], discord_shown_url(fields["url"])
    return Destination.objects.create(tenant=tenant, member=member, channel=channel, **fields)


@pytest.fixture
def premium_a(tenant_a):
    subscribe(tenant_a, "premium")
    return tenant_a


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


# JSON bodies, for the API tests of alerts and watchlists.

def post(client, url, data, **kwargs):
    return client.post(url, data, content_type="application/json", **kwargs)


def patch(client, url, data, **kwargs):
    return client.patch(url, data, content_type="application/json", **kwargs)
