"""The ASGI process sends WebSocket frames without formatting autobahn's debug line for each."""

from collections import deque
from unittest import mock

import click
import txaio
from autobahn.twisted.websocket import WebSocketServerFactory
from autobahn.websocket.protocol import TrafficStats


class Transport:
    def __init__(self):
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


def open_protocol():
    txaio.use_twisted()
    protocol = WebSocketServerFactory().buildProtocol(None)
    protocol.transport, protocol.peer, protocol.log = Transport(), "tcp:127.0.0.1:50000", txaio.make_logger()
    protocol.state, protocol.send_queue, protocol.logOctets = protocol.STATE_OPEN, deque(), False
    protocol.trafficStats = TrafficStats()
    return protocol


def test_a_frame_is_written_without_colouring_the_debug_line_that_is_not_logged():
    from config.asgi import autobahn_frame_log_plain  # importing config.asgi calls it too

    autobahn_frame_log_plain()
    protocol = open_protocol()

    with mock.patch.object(click, "style", wraps=click.style) as style:
        protocol.sendData(b"\x81\x02{}")

    assert protocol.transport.written == [b"\x81\x02{}"]
    assert style.call_count == 0  # autobahn's own formatters call it 4 times a frame
    assert protocol.trafficStats.outgoingOctetsWireLevel == 4
