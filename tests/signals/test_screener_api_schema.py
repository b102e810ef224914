"""The screener's OpenAPI description matches what it answers: real responses (a paid plan's, a
masked Free one, an error) and the documented example validate against the served schema."""

import jsonschema
import pytest
from django.core.management import call_command

from signals.scheduling import engine_run_start
from tests.signals.conftest import NOW
from tests.signals.screener_setup import api_key_headers

URL = "/api/v1/screener/"


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@pytest.fixture
def validate(client, db):
    """Validate a body against the schema the API serves for a status of GET /api/v1/screener/."""
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()
    components = _json_schema(schema["components"])
    responses = schema["paths"][URL]["get"]["responses"]

    def check(body, status: str = "200") -> None:
        body_schema = _json_schema(responses[status]["content"]["application/json"]["schema"])
        jsonschema.validate(body, {**body_schema, "components": components})

    check.responses = responses
    return check


def test_real_answers_of_a_paid_and_a_free_plan_match_the_schema(market, validate, client, alice_client, tenant_b,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        engine_run_start(tier="premium", now=NOW)

    paid = client.get(URL, headers=api_key_headers(tenant_b, plan="premium")).json()
    free = alice_client.get(URL).json()

    validate(paid)
    validate(free)
    assert paid["results"][0]["last_signal"]["id"] and paid["results"][0]["contributions"]  # filled, not null
    assert free["results"][0]["last_signal"] is None and free["results"][0]["contributions"] is None
    paid["results"][0]["leaning"] = "up"
    with pytest.raises(jsonschema.ValidationError):
        validate(paid)  # the rows are checked field by field: a value outside the enum fails


def test_an_error_answer_matches_the_schema(validate, alice_client):
    body = alice_client.get(f"{URL}?ordering=price").json()

    validate(body, "400")
    with pytest.raises(jsonschema.ValidationError):
        validate(body)  # and is no page of rows: the check can fail


def test_the_documented_example_matches_the_schema(validate):
    example = validate.responses["200"]["content"]["application/json"]["examples"]["APageOfOneRow"]["value"]

    validate(example)
    assert example["results"][0]["symbol"] == "EURUSD"


def test_the_schema_with_the_screener_generates_and_validates_without_a_warning(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/screener/" in (tmp_path / "schema.yaml").read_text()


def test_the_refusal_of_a_hidden_field_to_a_delayed_plan_matches_the_schema(validate, alice_client):
    response = alice_client.get(f"{URL}?leaning=long")

    assert response.status_code == 403 and "403" in validate.responses
    validate(response.json(), "403")
