"""A `requests` transport that answers from recorded responses: the only thing replaced in provider tests."""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from requests.adapters import BaseAdapter

RECORDED = Path(__file__).resolve().parent / "recorded"


class RecordedTransport(BaseAdapter):
    """Serves `routes`: a list of (predicate(path, query) -> bool, filename or (status, body)), first match wins.

    Every request is kept in `calls` so tests can assert what was asked.
    """

    def __init__(self, routes):
        super().__init__()
        self.routes = routes
        self.calls: list[tuple[str, dict]] = []

    def send(self, request, **kwargs):
        url = urlparse(request.url)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.calls.append((url.path, query))
        for predicate, answer in self.routes:
            if predicate(url.path, query):
                status, body = (200, (RECORDED / answer).read_bytes()) if isinstance(answer, str) else answer
                return self._response(request, status, body if isinstance(body, bytes) else json.dumps(body).encode())
        return self._response(request, 404, b'{"message": "not recorded"}')

    @staticmethod
    def _response(request, status: int, body: bytes):
        response = requests.Response()
        response.status_code = status
        response.reason = HTTPStatus(status).phrase
        response._content = body
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def session_with(transport: RecordedTransport) -> requests.Session:
    session = requests.Session()
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session
