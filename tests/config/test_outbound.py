"""The one outbound HTTP client's retry policy: what retries, how long it waits, what fails at once."""

import pytest
import requests
from requests.adapters import BaseAdapter

from config.outbound import HttpClient, TransportError, status_error


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


def test_post_sends_once_and_returns_any_answer_for_the_caller_to_judge():
    client, transport, slept = _client((503, {"Retry-After": "9"}, b"busy"))

    response = client.post("https://service.test/hook", data=b"{}", headers={"Content-Type": "application/json"})

    assert response.status_code == 503 and transport.calls == 1 and slept == []
    error = status_error(response, url="https://service.test/hook")
    assert not error.permanent and error.retry_after == 9.0


def test_post_raises_a_network_error_as_one_a_retry_may_help():
    client, transport, _ = _client(requests.Timeout())

    with pytest.raises(TransportError, match="Timeout") as error:
        client.post("https://service.test/hook", data=b"{}", headers={})

    assert not error.value.permanent and transport.calls == 1


@pytest.mark.parametrize(("status", "permanent", "retry_after"), [
    (429, False, None), (500, False, None), (400, True, None), (404, True, None), (301, True, None)])
def test_status_error_says_which_answers_a_retry_could_help(status, permanent, retry_after):
    client, _, _ = _client((status, {}, b"answer"))
    response = client.post("https://service.test/hook", data=b"", headers={})

    error = status_error(response, url="https://service.test/hook")

    assert error.permanent is permanent and error.retry_after == retry_after


def test_status_error_takes_the_wait_a_service_gave_in_its_body_over_the_header():
    client, _, _ = _client((429, {"Retry-After": "30"}, b""), (200, {}, b""))
    limited = client.post("https://service.test/hook", data=b"", headers={})
    ok = client.post("https://service.test/hook", data=b"", headers={})

    assert status_error(limited, url="u", retry_after=1.5).retry_after == 1.5
    assert status_error(ok, url="u") is None
