"""The HTTP session every alert channel sends with: public addresses only, no redirects, no proxies.

A member chooses the URLs (webhook endpoints, push subscriptions), so a delivery must not become a
way into our own network (SSRF). Two checks, both needed:

1. before the request, the URL's scheme and every address its host resolves to (a clear refusal);
2. on the connection actually made: the socket's peer address after connect, so a DNS answer that
   changes between the check and the connect (a rebind) cannot reach a private address either.

Redirects are never followed (a 3xx is a failure), and proxies from the environment are ignored (the
peer would be the proxy). `settings.ALERTS_OUTBOUND_ALLOW_HTTP` lets plain http through and
`ALERTS_OUTBOUND_ALLOW_LOOPBACK` lets 127.0.0.0/8 and ::1 through, for a local receiver in tests.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

USER_AGENT = "Beacon-Alerts/1.0"
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedAddress(Exception):
    """Alert traffic may not go there: not https, or a private, loopback, link-local or reserved address.
    Deliberately not an OSError, so that no layer below takes it for a network error to retry."""


def address_allowed(address: str) -> bool:
    """Whether alert traffic may connect to `address` (an IPv4 or IPv6 literal, maybe with a %scope)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):  # an IPv4 address inside an IPv6 one is judged as IPv4
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None:
            ip = embedded
    if ip.is_loopback and settings.ALERTS_OUTBOUND_ALLOW_LOOPBACK:
        return True
    return ip.is_global and not ip.is_multicast


def url_refusal(url: str) -> str | None:
    """Why alert traffic may not go to `url` (scheme, host, credentials, or an address its host resolves
    to), or None. A host that does not resolve is not refused here: the connection will fail instead."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "This is not a valid URL."
    allowed_schemes = ("https", "http") if settings.ALERTS_OUTBOUND_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed_schemes:
        return "Use an https:// URL."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "Leave credentials out of the URL; every request is signed instead."
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return None
    blocked = sorted(a for a in addresses if not address_allowed(a))
    if blocked:
        return f"{parts.hostname} is a private, loopback or link-local address ({blocked[0]}); use a public one."
    return None


class _PeerChecked:
    """Checks the address a new connection actually reached, before a byte is sent."""

    host: str

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        if not address_allowed(peer):
            sock.close()
            raise BlockedAddress(f"{self.host} connected to {peer}, which is not a public address.")
        return sock


class PublicHTTPConnection(_PeerChecked, HTTPConnection):
    pass


class PublicHTTPSConnection(_PeerChecked, HTTPSConnection):
    pass


class PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PublicHTTPConnection


class PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": PublicHTTPConnectionPool,
                                                   "https": PublicHTTPSConnectionPool}

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise BlockedAddress("Alert traffic does not go through a proxy.")


class PublicSession(requests.Session):
    """A requests session for alert traffic: checks the URL first, connects to public addresses only,
    never follows a redirect and ignores proxy settings of the environment."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self.headers["User-Agent"] = USER_AGENT
        adapter = PublicOnlyAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, *args, **kwargs):
        refusal = url_refusal(url)
        if refusal is not None:
            raise BlockedAddress(refusal)
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)
