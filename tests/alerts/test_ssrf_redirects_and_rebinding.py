"""The SSRF guard (alerts.channels.public_network) proven against real local HTTP servers: a redirect
is never followed, whatever it points at (a private, loopback or link-local address, or another scheme),
and a host whose DNS answer changes between the check and the connection (a rebind) reaches nothing,
because the address checked last is the one the socket is connected to.

DNS is the one thing played here: a resolver that answers a public address first and 127.0.0.1 after,
as a rebinding attacker's name server does (socket.getaddrinfo is what both the check and urllib3 call).
"""

import socket
import threading
from http.server import ThreadingHTTPServer

import pytest

from alerts.channels.public_network import BlockedAddress, PublicSession
from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.models import Channel, DeliveryStatus
from tests.alerts.conftest import Receiver, _Handler, alert_event, destination

REBINDING_HOST = "rebind.beacon-attacker.test"
PUBLIC_ADDRESS = "93.184.216.34"


@pytest.fixture
def internal():
    """A second local server standing for an internal service (a metadata endpoint, an admin port)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.receiver  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """REBINDING_HOST resolves to a public address the first time and to 127.0.0.1 every time after;
    other names as usual. Returns the list of answers given."""
    real_getaddrinfo = socket.getaddrinfo
    answers: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != REBINDING_HOST:
            return real_getaddrinfo(host, port, *args, **kwargs)
        address = PUBLIC_ADDRESS if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


REDIRECT_TARGETS = ["{internal}/admin", "http://127.0.0.1/", "http://[::1]/", "http://localhost/",
                    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://10.0.0.7/",
                    "file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "ftp://10.0.0.7/", "dict://127.0.0.1:11211/"]


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_anywhere_is_answered_as_is_and_never_followed(receiver, internal, local_receivers_allowed,
                                                                   target, status):
    location = target.format(internal=internal.url)
    receiver.replies.append((status, {"Location": location}, b""))

    response = PublicSession().post(receiver.url + "/hook", data=b"{}", allow_redirects=True)  # asked: still not

    assert (response.status_code, response.headers["Location"]) == (status, location)
    assert len(receiver.received) == 1 and internal.received == []


@pytest.mark.parametrize("target", ["{internal}/admin", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd",
                                    "gopher://127.0.0.1:6379/_FLUSHALL"])
def test_a_delivery_redirected_to_an_internal_address_or_another_scheme_fails_for_good(
        premium_a, alice, receiver, internal, local_receivers_allowed, target):
    receiver.replies.append((302, {"Location": target.format(internal=internal.url)}, b""))
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.FAILED and "redirect, not followed" in failed.last_error
    assert failed.attempts == 1 and len(receiver.received) == 1 and internal.received == []


def test_a_dns_rebind_between_the_check_and_the_connection_reaches_nothing(receiver, rebinding_dns, settings):
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True  # plain http to reach the local server; loopback stays refused
    port = receiver.url.rsplit(":", 1)[1]

    with pytest.raises(BlockedAddress, match=r"connected to 127\.0\.0\.1, which is not a public address"):
        PublicSession().post(f"http://{REBINDING_HOST}:{port}/hook", data=b"{}")

    assert rebinding_dns == [PUBLIC_ADDRESS, "127.0.0.1"]  # the check saw the public answer, the socket the rebind
    assert receiver.received == []  # the connection was closed before a byte was sent


def test_a_delivery_to_a_rebinding_host_fails_for_good_and_sends_nothing(premium_a, alice, receiver, rebinding_dns,
                                                                         settings):
    settings.ALERTS_OUTBOUND_ALLOW_HTTP = True
    port = receiver.url.rsplit(":", 1)[1]
    destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=f"http://{REBINDING_HOST}:{port}/hook")
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["webhook"]))

    failed = delivery_attempt(delivery_id=delivery.pk)

    assert failed.status == DeliveryStatus.FAILED and "connected to 127.0.0.1" in failed.last_error
    assert receiver.received == [] and rebinding_dns[-1] == "127.0.0.1"
