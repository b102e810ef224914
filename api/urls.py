"""Every route of the public API, under /api/v1/ (namespace `api-v1`), gathered from each app's api.py.

Viewsets are registered on `router` (trailing slashes); other endpoints are listed in `urlpatterns`.
The last route answers any other path with a JSON 404.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from alerts import api as alerts_api
from api.errors import endpoint_not_found
from billing import api as billing_api
from watchlists import api as watchlists_api

app_name = "api-v1"

router = DefaultRouter()
router.register("watchlists", watchlists_api.WatchlistViewSet, basename="watchlist")
router.register("alert-rules", alerts_api.AlertRuleViewSet, basename="alert-rule")
router.register("alert-events", alerts_api.AlertEventViewSet, basename="alert-event")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-v1:schema"), name="docs"),
    path("me/", accounts_api.me, name="me"),
    path("billing/usage/", billing_api.usage, name="usage"),
    *router.urls,
    re_path(r"^.*$", endpoint_not_found, name="endpoint-not-found"),
]
