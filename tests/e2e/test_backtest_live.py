"""A backtest started from the form in Chromium: its page shows it queued, follows its progress on the live
feed's backtests stream while the task runs, and shows the report once it is done, without a click."""

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Membership, Role, Tenant, User
from backtests import services
from backtests.models import Backtest
from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import bars_ingest, instrument_catalogue_load

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_backtest_started_from_the_form_finishes_live_on_its_page(page, asgi_server, monkeypatch):
    instrument_catalogue_load()
    bars_ingest(instrument=Instrument.objects.get(symbol="GOOG"), timeframe="D1",
                bars=BarArrays.from_csv(FIXTURES / "GOOG_D1.csv"), source="test")
    alice = User.objects.create_user(email="alice@example.com", password="a-long-passphrase-77")
    tenant = Tenant.objects.create(name="Alpha Capital", slug="alpha")
    Membership.objects.create(tenant=tenant, user=alice, role=Role.OWNER)
    queued: list[int] = []
    monkeypatch.setattr(services, "_queue", queued.append)  # this test is the worker: it runs the task below
    browser = Client()
    browser.force_login(alice)
    page.context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value,
                               "url": asgi_server.url}])
    received: list[dict] = []

    def listen(socket) -> None:
        socket.on("framereceived", lambda frame: received.append(json.loads(frame)))

    page.on("websocket", listen)

    page.goto(asgi_server.url + "/app/backtests/")
    page.get_by_role("link", name="New backtest").click()
    page.fill("#id_fast", "10")
    page.fill("#id_slow", "20")
    page.check("#id_optimise")
    page.get_by_role("button", name="Run backtest").click()
    page.wait_for_url(re.compile(r".*/app/backtests/\d+/$"))
    expect(page.locator("#backtest-status")).to_have_text("Queued")
    expect(page.locator("#feed-state")).to_have_text("Live", timeout=15_000)

    [backtest_id] = queued
    services.backtest_execute(backtest_id=backtest_id)  # what the worker on the backtests queue does

    expect(page.locator("#backtest-status")).to_have_text("Done", timeout=10_000)
    expect(page.get_by_role("heading", name="Metrics")).to_be_visible()
    expect(page.locator('#metrics tr[data-metric="trades"] td')).to_have_text(
        str(Backtest.objects.get(pk=backtest_id).result["metrics"]["trades"]))
    expect(page.locator("#heatmap")).to_be_visible()
    ours = [m for m in received if m.get("type", "").startswith("backtest.")]
    stages = {m["data"]["stage"] for m in ours if m["type"] == "backtest.progress"}
    assert {"simulation", "optimisation", "walk_forward"} <= stages
    assert ours[-1]["type"] == "backtest.done" and ours[-1]["data"]["backtest_id"] == backtest_id
