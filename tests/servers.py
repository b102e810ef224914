"""Servers the tests start on 127.0.0.1 (daphne, `manage.py serve`, localstripe): a free port, and the
wait until something listens on it."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_wait(port: int, *, seconds: float = 30, what: str = "the server") -> None:
    """Return once 127.0.0.1:`port` accepts a connection; RuntimeError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{what} did not listen on port {port} within {seconds:g} s") from None
            time.sleep(0.1)
