"""The Redis channel layer's receive waits on a quiet channel as long as it takes."""

import asyncio

import pytest
from channels.layers import get_channel_layer


@pytest.mark.redis
def test_a_receive_on_a_quiet_channel_outlasts_the_blocking_pop_and_gets_the_later_message():
    layer = get_channel_layer()
    quiet_for = layer.brpop_timeout + 1.0  # one whole blocking pop (and redis-py 8's default socket timeout) ends empty

    async def receive_what_is_sent_late():
        channel = await layer.new_channel()

        async def send_late():
            await asyncio.sleep(quiet_for)
            await layer.send(channel, {"type": "late", "n": 1})

        sender = asyncio.create_task(send_late())
        message = await layer.receive(channel)
        await sender
        return message

    assert asyncio.run(receive_what_is_sent_late()) == {"type": "late", "n": 1}
