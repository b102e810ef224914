"""Every endpoint's real responses, successes and errors, are what /api/v1/schema/ says they are.

The OpenAPI 3.0 schema is turned into JSON Schema (`nullable` becomes a union with null) and made
strict (an object may not carry a property its schema does not list), then each response is
validated against the schema of its path, method and status. A path of the schema that no request
here exercises fails the test: a new endpoint adds its sample here.
"""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
import time_machine
from django.core.cache import cache
from django.urls import resolve
from django.utils import timezone

from billing.models import Plan
from signals.publishing import publications_release_due
from tests.api_v1.conftest import close, publish


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

    def _template(self, path: str) -> str:
        match = resolve(path)
        for template in self.schema["paths"]:
            candidate = template
            for name, value in match.kwargs.items():
                candidate = candidate.replace("{" + name + "}", str(value))
            if candidate == path:
                return template
        raise AssertionError(f"{path} is not in the schema")

    def get(self, url: str, *, status: int, **kwargs):
        response = self.client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.content[:300])
        template = self._template(url.split("?")[0].replace("http://testserver", ""))
        self.exercised.add(template)
        documented = self.schema["paths"][template]["get"]["responses"]
        assert str(status) in documented, f"{template} does not document {status}"
        schema = documented[str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**_json_schema(schema), "components": self.components},
                            cls=jsonschema.Draft202012Validator)
        return response


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
    return {"closed": goog, "open": open_signal}


def test_every_endpoint_answers_as_its_schema_says(client, world, pro_headers, free_headers, settings):
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
    check.get("/api/v1/ledger/?limit=2", status=200)
    check.get("/api/v1/ledger/?from_seq=0", status=400)
    check.get("/api/v1/ledger/verify/", status=200)
    check.get("/api/v1/ledger/verify/?to_seq=-1", status=400)
    settings.API_PUBLIC_REQUESTS_PER_MINUTE = 0
    check.get("/api/v1/ledger/", status=429)
    Plan.objects.filter(code="pro").update(api_requests_per_minute=0)
    cache.clear()  # the API reads plans cached for up to a minute: show this edit at once
    check.get("/api/v1/signals/", status=403, headers=pro_headers)
    Plan.objects.filter(code="pro").update(api_requests_per_minute=1)
    cache.clear()  # a new minute's counters
    check.get("/api/v1/instruments/", status=200, headers=pro_headers)
    check.get("/api/v1/instruments/", status=429, headers=pro_headers)

    assert set(check.schema["paths"]) - check.exercised == set()
