from django.core.management import call_command


def test_the_openapi_schema_describes_the_bearer_key(client, db):
    response = client.get("/api/v1/schema/", headers={"Accept": "application/json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    assert "/api/v1/me/" in schema["paths"]


def test_the_interactive_docs_page_loads(client, db):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_docs_page_loads_its_javascript_from_our_static_files(client, db):
    page = client.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr" not in page


def test_the_schema_generates_and_validates_without_a_warning(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/billing/usage/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_documents_the_error_format_and_the_rate_limit_answers(client, db):
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()

    error = schema["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["code", "message"] and "fields" in error["properties"]
    responses = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    assert responses["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in responses["429"]["headers"]
    assert set(responses["200"]["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}


def test_the_schema_describes_the_websites_session_too(client, db):
    schema = client.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()

    assert schema["components"]["securitySchemes"]["Session"]["in"] == "cookie"
    assert {"Session": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]
