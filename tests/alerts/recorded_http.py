"""A `requests` transport that answers from recorded Bot API and Discord responses: the only thing
replaced in the Telegram and Discord tests (the channels, the client and the session are the real ones).

Each file in recorded/ is one HTTP answer: {"status", "headers", "body"}.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path

import requests
from requests.adapters import BaseAdapter

RECORDED = Path(__file__).resolve().parent / "recorded"


def recorded_answer(name: str) -> tuple[int, dict[str, str], bytes]:
    answer = json.loads((RECORDED / name).read_text())
    body = answer.get("body")
    raw = b"" if body is None else json.dumps(body).encode()
    return answer["status"], answer.get("headers", {}), raw


class RecordedTransport(BaseAdapter):
    """Answers the requests in order with the recorded files queued by `answer(*names)`; keeps each
    request (a PreparedRequest) in `requests`."""

    def __init__(self):
        super().__init__()
        self.queue: list[str] = []
        self.requests: list[requests.PreparedRequest] = []

    def answer(self, *names: str) -> RecordedTransport:
        self.queue.extend(names)
        return self

    def send(self, request, **kwargs):
        self.requests.append(request)
        if not self.queue:
            raise AssertionError(f"no recorded answer left for {request.method} {request.url}")
        status, headers, body = recorded_answer(self.queue.pop(0))
        response = requests.Response()
        response.status_code = status
        response.reason = HTTPStatus(status).phrase
        response._content = body
        response.headers.update({"Content-Type": "application/json", **headers})
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass

    def sent_json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index].body)
