import os

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config import channel_sender


def test_messages_reach_each_group_in_order_over_one_long_lived_loop(db):
    layer = get_channel_layer()
    channel, other = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("sender.test", channel)
    async_to_sync(layer.group_add)("sender.other", other)

    channel_sender.group_send_many([("sender.test", {"type": "t", "n": 1}), ("sender.other", {"type": "t", "n": "a"}),
                                    ("sender.test", {"type": "t", "n": 2}), ("sender.other", {"type": "t", "n": "b"})])
    first_loop = channel_sender.sender_loop()
    channel_sender.group_send_many([("sender.test", {"type": "t", "n": 3})])

    async def receive(name, count):
        return [(await layer.receive(name))["n"] for _ in range(count)]

    assert async_to_sync(receive)(channel, 3) == [1, 2, 3]
    assert async_to_sync(receive)(other, 2) == ["a", "b"]
    assert channel_sender.sender_loop() is first_loop and first_loop.is_running()


def test_a_forked_process_gets_a_loop_of_its_own(monkeypatch):
    parent_loop = channel_sender.sender_loop()
    monkeypatch.setattr(channel_sender, "_loop_pid", os.getpid() + 1)  # as a child sees its parent's loop

    child_loop = channel_sender.sender_loop()

    assert child_loop is not parent_loop and child_loop.is_running()
