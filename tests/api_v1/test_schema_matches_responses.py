"""Every endpoint's real responses, successes and errors, are what /api/v1/schema/ says they are.

The OpenAPI 3.0 schema is turned into JSON Schema (`nullable` becomes a union with null) and made
strict (an object may not carry a property its schema does not list), then each response is
validated against the schema of its path, method and status (a 204 has no body), and each JSON body
sent with a write that succeeded against the schema of its request. A path, or an operation (path
and method), of the schema that no request here exercises fails the test: a new endpoint adds its
sample here.
"""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest
import time_machine
from django.urls import resolve
from django.utils import timezone

from accounts.services import api_key_create
from alerts.deliveries import delivery_attempt
from alerts.destinations import destination_disable
from alerts.firing import signal_published_evaluate
from alerts.models import Delivery, Destination
from billing.models import Plan
from market.models import Bar
from portfolios.processing import bar_closed_process
from signals.models import SignalPublication
from signals.publishing import publications_release_due
from tests.api_v1.conftest import close, publish, subscribe
from tests.cache import cache_empty
from tests.signals.screener_setup import screener_rows_seed

METHODS = ("get", "post", "put", "patch", "delete")


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: `nullable` as a union with null; objects closed to unlisted keys."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


class SchemaChecker:
    def __init__(self, client):
        self.client = client
        self.schema = client.get("/api/v1/schema/?format=json").json()
        self.components = _json_schema(self.schema["components"])
        self.exercised: set[str] = set()
        self.operations: set[tuple[str, str]] = set()

    def _template(self, path: str) -> str:
        match = resolve(path)
        for template in self.schema["paths"]:
            candidate = template
            for name, value in match.kwargs.items():
                name = "id" if name == "pk" else name  # a viewset's object, as the schema names it
                candidate = candidate.replace("{" + name + "}", str(value))
            if candidate == path:
                return template
        raise AssertionError(f"{path} is not in the schema")

    def _validate(self, instance, schema) -> None:
        jsonschema.validate(instance, {**_json_schema(schema), "components": self.components},
                            cls=jsonschema.Draft202012Validator)

    def request(self, method: str, url: str, *, status: int, body=None, **kwargs):
        """Send the request (`body` as JSON), check its status is `status` and documented for its path and
        method, and its response (and, for a success, `body`) against their schemas."""
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        response = getattr(self.client, method)(url, **kwargs)
        assert response.status_code == status, (method, url, response.status_code, response.content[:300])
        template = self._template(url.split("?")[0].replace("http://testserver", ""))
        self.exercised.add(template)
        self.operations.add((template, method))
        operation = self.schema["paths"][template][method]
        documented = operation["responses"]
        assert str(status) in documented, f"{method.upper()} {template} does not document {status}"
        if status == 204:
            assert response.content == b"" and "content" not in documented["204"], (method, url)
        elif response["Content-Type"].startswith("text/csv"):
            assert "text/csv" in documented[str(status)]["content"], (method, url)
        else:
            self._validate(response.json(), documented[str(status)]["content"]["application/json"]["schema"])
        if body is not None and status < 300:
            self._validate(body, operation["requestBody"]["content"]["application/json"]["schema"])
        return response

    def get(self, url: str, *, status: int, **kwargs):
        return self.request("get", url, status=status, **kwargs)

    def post(self, url: str, *, status: int, **kwargs):
        return self.request("post", url, status=status, **kwargs)

    def put(self, url: str, *, status: int, **kwargs):
        return self.request("put", url, status=status, **kwargs)

    def patch(self, url: str, *, status: int, **kwargs):
        return self.request("patch", url, status=status, **kwargs)

    def delete(self, url: str, *, status: int, **kwargs):
        return self.request("delete", url, status=status, **kwargs)

    def unexercised_operations(self) -> set[tuple[str, str]]:
        return {(path, method) for path, item in self.schema["paths"].items() for method in item
                if method in METHODS} - self.operations


def write_headers(tenant, member) -> dict[str, str]:
    """A WRITE key of `tenant` made by `member` (member-owned things act as its maker)."""
    _, plaintext = api_key_create(tenant=tenant, name="writer", scope="write", created_by=member)
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def world(catalogue, pro_headers, free_headers):
    """Open and closed signals on Pro and (after its delay) Free, bars, outcomes and ledger entries."""
    goog = publish("GOOG", timeframe="D1", confidence=0.7)
    close(goog, r_multiple=1.5)
    publish("EURUSD", timeframe="H1", confidence=None)
    open_signal = publish("BTCUSD", timeframe="D1")
    close(publish("GOOG", timeframe="D1", bar_time=timezone.now() - timedelta(days=9)), r_multiple=-1.0)
    from market.demo_seed import market_demo_seed

    market_demo_seed(hold_back=0)
    screener_rows_seed()
    return {"closed": goog, "open": open_signal}


def test_every_endpoint_answers_as_its_schema_says(client, world, pro_headers, free_headers, settings, tenant_a,
                                                  alice, tenant_b, charlie):
    check = SchemaChecker(client)
    closed, live = world["closed"], world["open"]

    check.get("/api/v1/me/", status=200, headers=pro_headers)
    check.get("/api/v1/billing/usage/", status=200, headers=pro_headers)
    page = check.get("/api/v1/signals/?limit=2&ordering=-created_at", status=200, headers=pro_headers).json()
    if page["next"]:
        check.get(page["next"], status=200, headers=pro_headers)
    check.get("/api/v1/signals/?status=closed&min_confidence=0.5", status=200, headers=pro_headers)
    check.get(f"/api/v1/signals/{closed.pk}/", status=200, headers=pro_headers)
    check.get(f"/api/v1/signals/{live.pk}/", status=200, headers=pro_headers)
    check.get("/api/v1/signals/?min_confidence=7", status=400, headers=pro_headers)
    check.get("/api/v1/signals/123456789/", status=404, headers=pro_headers)
    check.get("/api/v1/signals/", status=401)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        publications_release_due()
        masked = check.get("/api/v1/signals/", status=200, headers=free_headers).json()["results"]
        check.get(f"/api/v1/signals/{closed.pk}/", status=200, headers=free_headers)
        check.get("/api/v1/signals/?ordering=confidence", status=400, headers=free_headers)
    assert masked and all(item["confidence"] is None for item in masked)
    check.get("/api/v1/instruments/?asset_class=stock", status=200, headers=pro_headers)
    check.get("/api/v1/instruments/?asset_class=bonds", status=400, headers=pro_headers)
    check.get("/api/v1/instruments/GOOG/bars/?timeframe=D1&limit=3", status=200, headers=pro_headers)
    check.get("/api/v1/instruments/GOOG/bars/?timeframe=X", status=400, headers=pro_headers)
    check.get("/api/v1/instruments/NONE/bars/?timeframe=D1", status=404, headers=pro_headers)
    check.get("/api/v1/track-record/", status=200, headers=pro_headers)
    check.get("/api/v1/track-record/?group_by=asset_class", status=200, headers=pro_headers)
    check.get("/api/v1/track-record/?group_by=nope", status=400, headers=pro_headers)
    check.get("/api/v1/track-record/summary/", status=200)
    check.get("/api/v1/track-record/chart-patterns/", status=200, headers=pro_headers)
    check.get("/api/v1/ledger/?limit=2", status=200)
    check.get("/api/v1/ledger/?from_seq=0", status=400)
    check.get("/api/v1/ledger/verify/", status=200)
    check.get("/api/v1/ledger/verify/?to_seq=-1", status=400)
    check.get("/api/v1/screener/?ordering=-abs_score", status=200, headers=pro_headers)
    check.get("/api/v1/screener/?ordering=nope", status=400, headers=pro_headers)
    settings.API_PUBLIC_REQUESTS_PER_MINUTE = 0
    check.get("/api/v1/ledger/", status=429)
    Plan.objects.filter(code="pro").update(api_requests_per_minute=0)
    cache_empty()  # the API reads plans cached for up to a minute: show this edit at once
    check.get("/api/v1/signals/", status=403, headers=pro_headers)
    Plan.objects.filter(code="pro").update(api_requests_per_minute=1)
    cache_empty()  # a new minute's counters
    check.get("/api/v1/instruments/", status=200, headers=pro_headers)
    check.get("/api/v1/instruments/", status=429, headers=pro_headers)

    subscribe(tenant_a, "premium")  # every alert channel, webhooks too
    writes = write_headers(tenant_a, alice)
    check.post("/api/v1/watchlists/", status=403, body={"name": "Read only"}, headers=pro_headers)
    watchlist_writes(check, writes)
    alert_writes(check, writes)
    backtest_runs(check, writes, pro_headers)
    portfolio_writes(check, writes)
    plan_limits(check, write_headers(tenant_b, charlie))

    assert set(check.schema["paths"]) - check.exercised == set()
    assert check.unexercised_operations() == set()


def watchlist_writes(check: SchemaChecker, writes: dict[str, str]) -> None:
    """A watchlist made, renamed, filled, annotated, reordered, emptied and deleted with a WRITE key."""
    made = check.post("/api/v1/watchlists/", status=201, body={"name": "Majors", "is_shared": True},
                      headers=writes).json()
    url = f"/api/v1/watchlists/{made['id']}/"
    check.post("/api/v1/watchlists/", status=400, body={"name": ""}, headers=writes)
    check.get("/api/v1/watchlists/", status=200, headers=writes)
    check.patch(url, status=200, body={"name": "FX majors"}, headers=writes)
    for symbol in ("EURUSD", "GBPUSD"):
        check.post(f"{url}items/", status=201, body={"symbol": symbol, "note": ""}, headers=writes)
    check.post(f"{url}items/", status=409, body={"symbol": "EURUSD"}, headers=writes)
    check.post(f"{url}items/", status=400, body={"symbol": "NOPE"}, headers=writes)
    check.patch(f"{url}items/EURUSD/", status=200, body={"note": "ECB on Thursday"}, headers=writes)
    check.post(f"{url}reorder/", status=200, body={"symbols": ["GBPUSD", "EURUSD"]}, headers=writes)
    check.delete(f"{url}items/GBPUSD/", status=204, headers=writes)
    assert check.get(url, status=200, headers=writes).json()["items"][0]["note"] == "ECB on Thursday"
    check.delete(url, status=204, headers=writes)
    check.get(url, status=404, headers=writes)


def alert_writes(check: SchemaChecker, writes: dict[str, str]) -> None:
    """Alert rules made, changed and deleted; a signal rule fired by a real publication, its event read, its
    in-app notification read, and its webhook endpoint's log, test send and redelivery."""
    price = check.post("/api/v1/alert-rules/", status=201, headers=writes, body={
        "name": "EURUSD breakout", "kind": "price", "instrument": "EURUSD", "timeframe": "H1", "left": "close",
        "op": "crosses_up", "value": 1.2, "channels": ["in_app"]}).json()
    check.post("/api/v1/alert-rules/", status=400, body={"name": "Bad", "kind": "price", "op": "sideways",
                                                         "channels": ["in_app"]}, headers=writes)
    check.patch(f"/api/v1/alert-rules/{price['id']}/", status=200, body={"status": "paused"}, headers=writes)
    check.get(f"/api/v1/alert-rules/{price['id']}/", status=200, headers=writes)
    endpoint = check.post("/api/v1/webhook-endpoints/", status=201, body={"url": "https://hooks.example.com/b",
                                                                          "label": "prod"}, headers=writes).json()
    check.post("/api/v1/webhook-endpoints/", status=400, body={"url": "https://169.254.169.254/x"}, headers=writes)
    signals_rule = check.post("/api/v1/alert-rules/", status=201, headers=writes, body={
        "name": "EURUSD signals", "kind": "signal", "instrument": "EURUSD", "channels": ["in_app", "webhook"]}).json()
    check.get("/api/v1/alert-rules/", status=200, headers=writes)

    signal = publish("EURUSD", timeframe="H1", confidence=0.66, bar_time=timezone.now() - timedelta(hours=5))
    assert signal_published_evaluate(publication_id=SignalPublication.objects.get(signal=signal, tier="premium").pk)
    event = check.get(f"/api/v1/alert-events/?rule={signals_rule['id']}", status=200, headers=writes).json()
    check.get(f"/api/v1/alert-events/{event['results'][0]['id']}/", status=200, headers=writes)
    check.get("/api/v1/alert-events/?rule=x", status=400, headers=writes)

    in_app, webhook = (Delivery.objects.get(event_id=event["results"][0]["id"], channel=channel)
                       for channel in ("in_app", "webhook"))
    delivery_attempt(delivery_id=in_app.pk)  # as the worker does: the notification
    notes = check.get("/api/v1/notifications/?unread=1", status=200, headers=writes).json()["results"]
    check.get(f"/api/v1/notifications/{notes[0]['id']}/", status=200, headers=writes)
    check.get("/api/v1/notifications/unread-count/", status=200, headers=writes)
    check.post(f"/api/v1/notifications/{notes[0]['id']}/read/", status=200, headers=writes)
    check.post("/api/v1/notifications/read-all/", status=200, headers=writes)

    url = f"/api/v1/webhook-endpoints/{endpoint['id']}/"
    destination_disable(destination=Destination.objects.get(pk=endpoint["id"]), reason="HTTP 410",
                        now=timezone.now())  # as the failure clock does
    check.post(f"{url}test/", status=400, headers=writes)
    assert delivery_attempt(delivery_id=webhook.pk).status == "failed"  # turned off: not sent, logged
    check.post(f"{url}deliveries/{webhook.pk}/redeliver/", status=400, headers=writes)
    check.post(f"{url}enable/", status=200, headers=writes)
    check.get(f"{url}deliveries/", status=200, headers=writes)
    check.post(f"{url}deliveries/{webhook.pk}/redeliver/", status=202, headers=writes)
    check.post(f"{url}test/", status=202, headers=writes)
    check.get("/api/v1/webhook-endpoints/", status=200, headers=writes)
    check.get(url, status=200, headers=writes)
    check.put(url, status=200, body={"url": "https://hooks.example.com/v2", "label": "v2"}, headers=writes)
    check.patch(url, status=200, body={"label": "prod"}, headers=writes)
    check.delete(url, status=204, headers=writes)
    check.delete(f"/api/v1/alert-rules/{price['id']}/", status=204, headers=writes)
    check.get(f"/api/v1/alert-rules/{price['id']}/", status=404, headers=writes)


BACKTEST = {"strategy": "sma_cross", "symbol": "GOOG", "timeframe": "D1", "start": "2004-01-01", "end": "2014-01-01",
            "cash": 10000, "costs": "none", "fast": 10, "slow": 20}


def backtest_runs(check: SchemaChecker, writes: dict[str, str], reads: dict[str, str]) -> None:
    """A backtest asked for (left queued: its task waits for a commit the test never makes), listed, read,
    its trades read and cancelled; refused with a reason per field, to a read-only key, and for a missing one."""
    made = check.post("/api/v1/backtests/", status=201, body=BACKTEST, headers=writes).json()
    url = f"/api/v1/backtests/{made['id']}/"
    check.post("/api/v1/backtests/", status=400, body={**BACKTEST, "fast": 30}, headers=writes)
    check.post("/api/v1/backtests/", status=403, body=BACKTEST, headers=reads)
    check.get("/api/v1/backtests/", status=200, headers=writes)
    check.get(url, status=200, headers=writes)
    check.get(f"{url}trades/", status=200, headers=writes)
    assert check.post(f"{url}cancel/", status=200, headers=writes).json()["status"] == "cancelled"
    check.get("/api/v1/backtests/987654321/", status=404, headers=writes)


def plan_limits(check: SchemaChecker, free_writes: dict[str, str]) -> None:
    """A plan with no room left answers 402 with what it allows (plans are data)."""
    Plan.objects.filter(code="free").update(backtests_per_day=0)
    check.post("/api/v1/backtests/", status=402, body=BACKTEST, headers=free_writes)
    Plan.objects.filter(code="free").update(watchlists=0, active_alerts=0, paper_portfolios=0)
    check.post("/api/v1/portfolios/", status=402, body={"name": "One too many"}, headers=free_writes)
    check.post("/api/v1/watchlists/", status=402, body={"name": "One too many"}, headers=free_writes)
    check.post("/api/v1/alert-rules/", status=402, headers=free_writes, body={
        "name": "One too many", "kind": "signal", "channels": ["in_app"]})


def portfolio_writes(check: SchemaChecker, writes: dict[str, str]) -> None:
    """A paper portfolio made and changed; a bracket placed on GOOG, filled by the next closed bar and closed
    by its target; a refused order, a blocked one, a cancelled one; positions, journal (JSON, CSV), risk,
    follow rules and drift read; the portfolio reset and deleted."""
    made = check.post("/api/v1/portfolios/", status=201, body={"name": "Paper", "starting_balance": 100000},
                      headers=writes).json()
    url = f"/api/v1/portfolios/{made['id']}/"
    check.post("/api/v1/portfolios/", status=400, body={"name": "", "currency": "XXX"}, headers=writes)
    check.get("/api/v1/portfolios/", status=200, headers=writes)
    check.get(url, status=200, headers=writes)
    check.patch(url, status=200, body={"max_open_positions": 5}, headers=writes)
    last = Bar.objects.filter(instrument__symbol="GOOG", timeframe="D1").order_by("-time").first()
    price = round(last.close, 2)
    entry = check.post(f"{url}orders/", status=201, headers=writes, body={
        "symbol": "GOOG", "side": "buy", "quantity": 10, "stop_loss": round(price * 0.9, 2),
        "targets": [{"price": round(price * 1.05, 2), "fraction": 1}]}).json()["orders"][0]
    check.post(f"{url}orders/", status=400, body={"symbol": "GOOG", "side": "up", "quantity": -1}, headers=writes)
    check.patch(url, status=200, body={"max_cluster_exposure": 0.01}, headers=writes)
    check.post(f"{url}orders/", status=409, body={"symbol": "GOOG", "side": "buy", "quantity": 100, "bracket": False},
               headers=writes)
    check.patch(url, status=200, body={"max_cluster_exposure": None}, headers=writes)
    for n, close_price in enumerate((price, price * 1.06), start=1):
        Bar.objects.create(instrument=last.instrument, timeframe="D1", time=last.time + timedelta(days=n),
                           open=close_price, high=close_price * 1.001, low=close_price * 0.999, close=close_price,
                           volume=1)
        if n == 1:
            check.get(f"{url}positions/", status=200, headers=writes)
        bar_closed_process(instrument_id=last.instrument_id, timeframe="D1", bar_time=last.time + timedelta(days=n))
        if n == 1:
            assert check.get(f"{url}positions/", status=200, headers=writes).json()
    limit = check.post(f"{url}orders/", status=201, body={"symbol": "GOOG", "side": "buy", "quantity": 1,
                                                         "order_type": "limit", "limit_price": round(price / 2, 2),
                                                         "bracket": False}, headers=writes).json()["orders"][0]
    check.post(f"{url}orders/{limit['id']}/cancel/", status=200, headers=writes)
    check.post(f"{url}orders/{limit['id']}/cancel/", status=400, headers=writes)
    check.post(f"{url}orders/{entry['id'] + 999}/cancel/", status=404, headers=writes)
    check.get(f"{url}orders/?status=closed", status=200, headers=writes)
    check.get(f"{url}orders/?status=maybe", status=400, headers=writes)
    assert check.get(f"{url}journal/", status=200, headers=writes).json()["results"]
    check.get(f"{url}journal/csv/", status=200, headers=writes)
    check.get(f"{url}risk/", status=200, headers=writes)
    rule = check.post(f"{url}follow-rules/", status=201, body={"sizing": "fixed_fraction", "risk_fraction": 0.01},
                      headers=writes).json()
    check.post(f"{url}follow-rules/", status=400, body={"sizing": "martingale"}, headers=writes)
    check.get(f"{url}follow-rules/", status=200, headers=writes)
    check.delete(f"{url}follow-rules/{rule['id']}/", status=204, headers=writes)
    check.get(f"{url}drift/", status=200, headers=writes)
    check.post(f"{url}reset/", status=200, headers=writes)
    check.delete(url, status=204, headers=writes)
    check.get(url, status=404, headers=writes)
