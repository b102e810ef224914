"""List endpoints page with a cursor: `limit` items a page (default 50, at most 500), bad input is a 400."""

from urllib.parse import urlparse

import pytest
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from accounts.models import Tenant

factory = APIRequestFactory()


class TenantSlugSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["slug"]


class TenantList(generics.ListAPIView):
    """A list endpoint with the API's default pagination."""

    queryset = Tenant.objects.all()
    serializer_class = TenantSlugSerializer
    authentication_classes = []
    permission_classes = [AllowAny]


def _get(query: str = "") -> dict:
    response = TenantList.as_view()(factory.get("/api/v1/tenants/" + query))
    response.render()
    return {"status": response.status_code, **response.data}


@pytest.fixture
def tenants(db):
    return Tenant.objects.bulk_create([Tenant(name=f"T{i}", slug=f"t{i:03}") for i in range(120)])


def test_a_page_has_50_items_newest_first_by_default(tenants):
    page = _get()

    assert [row["slug"] for row in page["results"]] == [f"t{i:03}" for i in range(119, 69, -1)]
    assert page["next"] is not None and page["previous"] is None


def test_following_next_links_visits_every_row_once(tenants):
    seen, query = [], "?limit=7"
    while query is not None:
        page = _get(query)
        assert page["status"] == 200 and len(page["results"]) <= 7
        seen += [row["slug"] for row in page["results"]]
        query = "?" + urlparse(page["next"]).query if page["next"] else None

    assert seen == [f"t{i:03}" for i in range(119, -1, -1)]


def test_the_largest_page_is_500(tenants):
    page = _get("?limit=500")

    assert page["status"] == 200 and len(page["results"]) == 120


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "2.5", "", " 5", "1e3", "99999999999999999999"])
def test_a_bad_limit_is_a_400_naming_the_field(db, limit):
    page = _get(f"?limit={limit}")

    assert page["status"] == 400
    assert page["error"]["code"] == "invalid"
    assert list(page["error"]["fields"]) == ["limit"]
    assert "from 1 to 500" in page["error"]["fields"]["limit"][0]


def test_a_cursor_the_api_did_not_give_out_is_a_400_naming_the_field(tenants):
    page = _get("?cursor=not-a-cursor")

    assert page["status"] == 400
    assert list(page["error"]["fields"]) == ["cursor"]
