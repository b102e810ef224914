"""The one outbound HTTP client's retry policy: what retries, how long it waits, what fails at once."""

import pytest
import requests
from requests.adapters import BaseAdapter

from config.outbound import HttpClient, TransportError


class ScriptedTransport(BaseAdapter):
    """Answers each request with the next of `replies`: (status, headers, body) or an exception to raise."""

    def __init__(self, replies):
        super().__init__()
        self.replies = list(replies)
        self.calls = 0

    def send(self, request, **kwargs):
        self.calls += 1
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, headers, body = reply
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = status, body, request.url, request
        response.headers.update(headers)
        return response

    def close(self):
        pass


def _client(*replies):
    transport, slept = ScriptedTransport(replies), []
    session = requests.Session()
    session.mount("https://", transport)
    return HttpClient(session=session, sleep=slept.append), transport, slept


def test_a_network_error_is_retried_with_exponential_backoff():
    client, transport, slept = _client(requests.ConnectionError(), requests.Timeout(), (200, {}, b'{"ok": true}'))

    assert client.get_json("https://service.test/x", params={}) == {"ok": True}
    assert transport.calls == 3 and slept == [1.0, 2.0]


def test_a_429_waits_as_long_as_its_retry_after_says():
    client, _, slept = _client((429, {"Retry-After": "7"}, b""), (200, {}, b"[]"))

    assert client.get_json("https://service.test/x", params={}) == []
    assert slept == [7.0]


def test_a_client_error_fails_at_once_as_permanent():
    client, transport, slept = _client((404, {}, b"no such thing"))

    with pytest.raises(TransportError, match="HTTP 404") as error:
        client.get_json("https://service.test/x", params={})

    assert error.value.permanent and transport.calls == 1 and slept == []


def test_after_the_last_attempt_the_error_is_raised_as_retryable():
    client, transport, _ = _client(*[(502, {}, b"")] * 4)

    with pytest.raises(TransportError, match="HTTP 502") as error:
        client.get_json("https://service.test/x", params={})

    assert not error.value.permanent and transport.calls == 4
