"""Operator-configured RSS and Atom feeds: downloaded with care, parsed with feedparser.

An operator types the URL, so a feed is fetched like an alert webhook (alerts.channels.public_network):
public addresses only, checked before the request and on the connection made, no proxies. Redirects
are followed by hand, at most MAX_REDIRECTS, each hop checked the same way, so a redirect to a
private address is refused. The body is read in chunks and refused past `max_bytes`. A document
feedparser finds not well-formed is refused whole. Each refusal is a permanent TransportError that
says why; transient ones (network, 429, 5xx) go through the one retry policy of config.outbound.
"""

from __future__ import annotations

import calendar
from urllib.parse import urljoin

import feedparser
import requests

from alerts.channels.public_network import BlockedAddress, PublicSession
from config.outbound import HttpClient, TransportError, status_error
from news.providers.base import NewsEntry

MAX_FEED_BYTES = 2_000_000
MAX_REDIRECTS = 3
USER_AGENT = "Beacon-News/1.0 (+feed reader)"
CHUNK_BYTES = 64 * 1024
# feedparser's "bozo" exceptions that do not mean a broken document (a charset it had to guess).
HARMLESS = (feedparser.CharacterEncodingOverride,)


def feed_session() -> requests.Session:
    session = PublicSession()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    return session


class FeedProvider:
    name = "feed"

    def __init__(self, *, client: HttpClient | None = None, max_bytes: int = MAX_FEED_BYTES):
        self.client = client or HttpClient(session=feed_session())
        self.max_bytes = max_bytes

    def news(self, url: str, *, now: int) -> list[NewsEntry]:
        """The entries of the feed at `url`; an entry without a date is taken as published `now` (epoch s)."""
        return feed_entries(self.download(url), now=now)

    def download(self, url: str) -> bytes:
        """The body at `url`, after at most MAX_REDIRECTS checked redirects and no more than max_bytes."""
        return self.client.retrying(lambda: self._download_once(url))

    def _download_once(self, url: str) -> bytes:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self.client.session.get(url, timeout=self.client.timeout, stream=True)
            except BlockedAddress as error:
                raise TransportError(f"Refused {url}: {error}", permanent=True) from error
            except (requests.ConnectionError, requests.Timeout) as error:
                raise TransportError(f"network error: {error.__class__.__name__}") from error
            with response:
                location = response.headers.get("Location")
                if response.is_redirect and location:
                    url = urljoin(url, location)
                    continue
                failure = status_error(response, url=url)
                if failure is not None:
                    raise failure
                return self._body(response, url)
        raise TransportError(f"More than {MAX_REDIRECTS} redirects from the feed's URL; last {url}", permanent=True)

    def _body(self, response: requests.Response, url: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise TransportError(f"The feed at {url} is {int(declared):,} bytes, over the {self.max_bytes:,} allowed",
                                 permanent=True)
        body = bytearray()
        try:
            for chunk in response.iter_content(CHUNK_BYTES):
                body += chunk
                if len(body) > self.max_bytes:
                    raise TransportError(f"The feed at {url} is over the {self.max_bytes:,} bytes allowed",
                                         permanent=True)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransportError(f"network error while reading: {error.__class__.__name__}") from error
        return bytes(body)


def feed_entries(document: bytes, *, now: int) -> list[NewsEntry]:
    """The entries of an RSS or Atom document that have a link and a title; a document
    that is not a well-formed feed raises a permanent TransportError saying where it breaks."""
    parsed = feedparser.parse(document)
    if parsed.bozo and not isinstance(parsed.bozo_exception, HARMLESS):
        raise TransportError(f"The feed is not well-formed: {parsed.bozo_exception}", permanent=True)
    if not parsed.version:
        raise TransportError("The document is not an RSS or Atom feed.", permanent=True)
    source = str(parsed.feed.get("title", "")).strip()[:200]
    entries = []
    for entry in parsed.entries:
        url, title = str(entry.get("link", "")).strip(), " ".join(str(entry.get("title", "")).split())
        if not url.startswith(("https://", "http://")) or not title:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        entries.append(NewsEntry(url=url, title=title[:500], summary=_text(entry.get("summary", "")), source=source,
                                 published=calendar.timegm(when) if when else now))
    return entries


def _text(html: str) -> str:
    """A summary as plain text (feedparser has already removed unsafe markup; tags are dropped here)."""
    out, inside = [], False
    for char in str(html):
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif not inside:
            out.append(char)
    return " ".join("".join(out).split())[:2000]
