"""The one outbound HTTP client, with the one retry policy (STYLE.md points 13 and 15).

Market-data providers use it; alert channels (webhooks, Telegram, Discord) and news providers are
to use it too. What goes wrong is raised as `TransportError`, which says whether a retry could
help. Retried: connection errors, timeouts, HTTP 429 and 5xx, and a service's own "slow down"
replies (raised by its `check` without `permanent`), up to `attempts` times with exponential
backoff (1, 2, 4 ... s, or the server's Retry-After). Permanent errors are raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import requests

USER_AGENT = "Beacon/1.0 (+market data)"

_Result = TypeVar("_Result")


class TransportError(Exception):
    """A remote service could not deliver. `permanent` errors (bad symbol, bad key, HTTP 4xx) are not
    retried; `retry_after` is the wait in seconds the service asked for, if it said."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after


class HttpClient:
    def __init__(self, *, session: requests.Session | None = None, attempts: int = 4, timeout: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0):
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.attempts = attempts
        self.timeout = timeout
        self.sleep = sleep
        self.backoff = backoff

    def get_json(self, url: str, *, params: Mapping[str, str],
                 check: Callable[[object], None] | None = None) -> object:
        """GET and decode JSON (whatever shape the service sent: the caller narrows it); `check`
        raises TransportError for a service's error bodies."""
        return self.retrying(lambda: self._get_once(url, params, check))

    def retrying(self, call: Callable[[], _Result]) -> _Result:
        """Run `call` under the retry policy."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except TransportError as error:
                if error.permanent or attempt == self.attempts:
                    raise
                self.sleep(error.retry_after if error.retry_after is not None else self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _get_once(self, url: str, params: Mapping[str, str], check: Callable[[object], None] | None) -> object:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransportError(f"network error: {error.__class__.__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise TransportError(f"HTTP {response.status_code} from {url}",
                                 retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None)
        if response.status_code >= 400:
            raise TransportError(f"HTTP {response.status_code} from {url}: {response.text[:200]}", permanent=True)
        try:
            body = response.json()
        except ValueError as error:
            raise TransportError(f"not JSON from {url}: {response.text[:200]!r}") from error
        if check is not None:
            check(body)
        return body
