"""handler500: a database or Redis that cannot be reached answers 503 with Retry-After (the API's JSON
error under /api/, a plain page elsewhere); any other error is a 500, JSON under /api/. The live proof, with
PostgreSQL stopped under daphne, is tests/faults/test_postgres_stopped.py."""

import json

from django.db import OperationalError

from config.maintenance import server_error


def answer_to(error: Exception, request):
    try:
        raise error
    except Exception:  # Django calls handler500 inside its except, as here
        return server_error(request)


def test_a_database_that_cannot_be_reached_answers_503_as_json_under_the_api_and_as_a_page_elsewhere(rf):
    api = answer_to(OperationalError("connection refused"), rf.get("/api/v1/watchlists/"))
    page = answer_to(OperationalError("connection refused"), rf.get("/pricing/"))

    assert (api.status_code, api["Retry-After"], api["Content-Type"]) == (503, "30", "application/json")
    assert json.loads(api.content)["error"]["code"] == "unavailable"
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert b"Briefly unavailable" in page.content and b"connection refused" not in page.content


def test_any_other_error_stays_a_500(rf):
    response = answer_to(ValueError("a bug"), rf.get("/pricing/"))

    assert response.status_code == 500 and not response.has_header("Retry-After")
    assert b"a bug" not in response.content


def test_redis_unreachable_or_out_of_connections_answers_503_with_retry_after(rf):
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    exhausted = answer_to(RedisConnectionError("Too many connections"), rf.get("/api/v1/signals/"))
    timed_out = answer_to(RedisTimeoutError("Timeout reading from socket"), rf.get("/app/"))

    assert (exhausted.status_code, exhausted["Retry-After"]) == (503, "30")
    assert exhausted["Content-Type"] == "application/json"
    assert json.loads(exhausted.content)["error"] == {
        "code": "unavailable", "message": "Beacon is briefly unavailable: its cache cannot be reached or is at "
                                          "capacity. Please try again in a minute."}
    assert (timed_out.status_code, timed_out["Retry-After"]) == (503, "30")
    assert b"Too many connections" not in exhausted.content and b"Timeout" not in timed_out.content


def test_any_other_error_under_the_api_is_a_json_500_without_its_detail(rf):
    response = answer_to(ValueError("a bug with a secret"), rf.get("/api/v1/signals/"))

    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert json.loads(response.content)["error"]["code"] == "server_error"
    assert b"secret" not in response.content and not response.has_header("Retry-After")
