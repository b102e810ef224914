"""Portfolio updates on the live feed: after a bar's fills and marks commit, each portfolio changed reaches its
tenant's `portfolios` stream as portfolio.updated, with its equity, positions and the bar's fills; another
tenant's stream hears nothing of it."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from portfolios.services import order_place
from signals.feed_streams import STREAMS
from tests.portfolios.conftest import order

pytestmark = pytest.mark.django_db


def test_fills_and_marks_reach_the_tenants_portfolio_stream(alice_actor, portfolio, tape, tenant_b,
                                                            django_capture_on_commit_callbacks):
    stream = STREAMS["portfolios"]
    layer = get_channel_layer()
    mine, theirs = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(stream.group(str(portfolio.tenant_id)), mine)
    async_to_sync(layer.group_add)(stream.group(str(tenant_b.pk)), theirs)
    btc = tape("BTCUSD")
    btc.bar(100, 101, 99, 100)
    order_place(actor=alice_actor, portfolio=portfolio, request=order("BTCUSD", "buy", 2))
    with django_capture_on_commit_callbacks(execute=True):
        btc.bar(102, 103, 101, 102.5)
    message = async_to_sync(asyncio.wait_for)(layer.receive(mine), timeout=5)
    portfolio.refresh_from_db()
    assert message["type"] == "portfolio.updated"
    data = message["data"]
    assert data["portfolio_id"] == portfolio.pk and data["equity"] == round(portfolio.equity, 2)
    assert data["positions"][0]["symbol"] == "BTCUSD" and data["positions"][0]["last_price"] == 102.5
    assert data["fills"][0]["side"] == "buy" and data["fills"][0]["quantity"] == 2
    with pytest.raises(asyncio.TimeoutError):
        async_to_sync(asyncio.wait_for)(layer.receive(theirs), timeout=0.5)
