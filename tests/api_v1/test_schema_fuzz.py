"""The API against its own schema, by property-based generation (schemathesis over /api/v1/schema/).

For every operation, generated requests (valid and invalid paths, queries and bodies) are sent with
a Pro key (every feature) and with a Free key (no API access): no answer is a 5xx, every answer
matches the schema's status codes, content type and body, and every error is JSON. Rate-limit
counters are cleared between examples (429s and their headers are tested in tests/api_v1).
Derandomised with a fixed number of examples per operation, so CI is repeatable and bounded.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_key_create
from market.services import instrument_catalogue_load
from tests.alerts.conftest import subscribe
from tests.cache import cache_empty
from tests.factories import TenantFactory

EXAMPLES_PER_OPERATION = 10


schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """The WSGI app closes the database connection after each request, as in production; here the
    test's transaction must outlive the requests (what Django's test client does too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keys(db) -> dict[str, str]:
    """A write key of a Pro tenant and of a Free one (made once per operation, not per example)."""
    instrument_catalogue_load()
    found = {}
    for plan in ("pro", "free"):
        tenant = TenantFactory(name=f"Fuzz {plan}", slug=f"fuzz-{plan}")
        if plan != "free":
            subscribe(tenant, plan)
        found[plan] = api_key_create(tenant=tenant, name="fuzz", scope="write", created_by=None)[1]
    return found


def errors_are_json(response) -> None:
    if response.status_code >= 400:
        content_type = {name.lower(): values for name, values in response.headers.items()}.get("content-type", [""])
        assert "json" in content_type[0], f"{response.status_code} answered {content_type[0]!r}, not JSON"
        json.loads(response.text)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema_for_pro_and_free_keys(case, keys):
    cache_empty()  # rate-limit counters: every example is judged on its input, not on the ones before it
    for plan, key in keys.items():
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 content_type_conformance, response_schema_conformance])
        errors_are_json(response)
        assert response.status_code < 500, f"{plan}: {case.method} {case.formatted_path} -> {response.status_code}"
