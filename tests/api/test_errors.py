"""Every API error is JSON with a code, a message and, for bad input, a message per field."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from config.errors import LimitExceeded, PlanLimitReached

factory = APIRequestFactory()


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


def _view(raise_exc):
    class Probe(APIView):
        permission_classes = [AllowAny]
        authentication_classes = []

        def post(self, request):
            raise_exc(request)

    return Probe.as_view()


def _call(raise_exc):
    response = _view(raise_exc)(factory.post("/probe/", {"quantity": "zero"}, format="json"))
    response.render()
    return response


def test_bad_input_names_the_field_and_why():
    def validate(request):
        QuantitySerializer(data=request.data).is_valid(raise_exception=True)

    response = _call(validate)

    assert response.status_code == 400
    error = response.data["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"quantity": ["A valid integer is required."]}
    assert "quantity" in error["message"]


def test_plan_limit_is_402_with_the_limit_and_upgrade_link():
    def over(request):
        raise PlanLimitReached("Your Free plan allows 1 seats; you use 1.", limit="seats", allowed=1, used=1,
                               upgrade_url="http://x/pricing/")

    response = _call(over)

    assert response.status_code == 402
    assert response.data["error"] == {"code": "plan_limit", "message": "Your Free plan allows 1 seats; you use 1.",
                                      "limit": "seats", "allowed": 1, "used": 1, "upgrade_url": "http://x/pricing/"}


def test_rate_limit_is_429_with_retry_after():
    def limited(request):
        raise LimitExceeded("Too many requests.", retry_after=17)

    response = _call(limited)

    assert response.status_code == 429
    assert response["Retry-After"] == "17"


@pytest.mark.parametrize(("exc", "status"), [(Http404(), 404), (DjangoValidationError({"name": ["Bad."]}), 400)])
def test_django_errors_are_rendered_the_same_way(exc, status):
    def fail(request):
        raise exc

    response = _call(fail)

    assert response.status_code == status
    assert "error" in response.data
    if status == 400:
        assert response.data["error"]["fields"] == {"name": ["Bad."]}


def _reads_body():
    class Probe(APIView):
        permission_classes = [AllowAny]
        authentication_classes = []

        def post(self, request):
            return Response({"received": request.data})

    return Probe.as_view()


def _send(request):
    response = _reads_body()(request)
    response.render()
    return response


def test_a_malformed_json_body_is_a_400_parse_error():
    response = _send(factory.post("/probe/", b'{"quantity": 1', content_type="application/json"))

    assert response.status_code == 400
    assert response.data["error"]["code"] == "parse_error"
    assert response.data["error"]["message"].startswith("JSON parse error")


def test_an_unsupported_media_type_is_a_415():
    response = _send(factory.post("/probe/", b"quantity: 1", content_type="text/yaml"))

    assert response.status_code == 415
    assert response.data["error"]["code"] == "unsupported_media_type"
    assert "text/yaml" in response.data["error"]["message"]


def test_a_method_the_endpoint_lacks_is_a_405():
    response = _send(factory.get("/probe/"))

    assert response.status_code == 405
    assert response.data["error"] == {"code": "method_not_allowed", "message": 'Method "GET" not allowed.'}


def test_a_permissions_own_code_is_kept():
    def refused(request):
        raise drf_exceptions.PermissionDenied("Not with this key.", code="read_only_key")

    response = _call(refused)

    assert response.data["error"] == {"code": "read_only_key", "message": "Not with this key."}


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_under_api_v1_that_is_no_endpoint_is_a_json_404(client, db, method):
    response = getattr(client, method)("/api/v1/no/such/thing/", headers={"Accept": BROWSER_ACCEPT})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "No API endpoint at /api/v1/no/such/thing/."}}


def test_a_get_without_the_trailing_slash_is_still_redirected_to_the_endpoint(client, db):
    response = client.get("/api/v1/me?x=1")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/me/?x=1"


def test_a_write_without_the_trailing_slash_is_a_404_naming_the_endpoint(client, db):
    response = client.post("/api/v1/me", {}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "No API endpoint at /api/v1/me; the endpoint is /api/v1/me/ (with a slash).")


def test_a_path_with_a_line_break_in_it_is_still_a_json_404(client, db):
    """Found by the schema fuzz: `.` stops at a newline, so the catch-all missed such paths (HTML 404)."""
    response = client.get("/api/v1/signals/%C2%8FW%0A%C3%99/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
