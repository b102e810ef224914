"""A WebSocket to a path no consumer serves is accepted, told why in an error message (as the feed says why,
since daphne drops a close's reason) and closed with 4404 and that reason, through the real ASGI
application: no error logged, no channel of the layer taken."""

import logging

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator


@pytest.mark.parametrize("path", ["/ws/v1/nope/", "/ws/", "/not-a-socket"])
async def test_an_unknown_path_closes_with_4404_and_a_reason_and_logs_no_error(path, caplog, monkeypatch):
    from config.asgi import application

    layer, channels_made = get_channel_layer(), []
    new_channel = layer.new_channel
    monkeypatch.setattr(layer, "new_channel", lambda *a, **kw: channels_made.append(1) or new_channel(*a, **kw))
    client = WebsocketCommunicator(application, path)

    with caplog.at_level(logging.WARNING):
        connected, _ = await client.connect()
        error = await client.receive_json_from()
        closing = await client.receive_output()
        await client.disconnect()

    assert connected
    reason = "No such stream path: the live feed is /ws/v1/feed/."
    assert error == {"type": "error", "seq": None, "data": {"code": 4404, "message": reason}}
    assert closing == {"type": "websocket.close", "code": 4404, "reason": reason}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert channels_made == []
