from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import api as accounts_api
from billing import api as billing_api
from config import health
from market import api as market_api
from signals import api as signals_api

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-v1:schema"), name="docs"),
    path("me/", accounts_api.me, name="me"),
    path("billing/usage/", billing_api.usage, name="usage"),
    path("signals/", signals_api.SignalListApi.as_view(), name="signal-list"),
    path("signals/<int:signal_id>/", signals_api.SignalDetailApi.as_view(), name="signal-detail"),
    path("instruments/", market_api.InstrumentListApi.as_view(), name="instrument-list"),
    path("instruments/<str:symbol>/bars/", market_api.BarListApi.as_view(), name="bar-list"),
    path("track-record/", signals_api.TrackRecordApi.as_view(), name="track-record"),
    path("track-record/summary/", signals_api.TrackRecordSummaryApi.as_view(), name="track-record-summary"),
    path("ledger/", signals_api.LedgerEntryListApi.as_view(), name="ledger-entry-list"),
    path("ledger/verify/", signals_api.LedgerVerifyApi.as_view(), name="ledger-verify"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api-v1"))),
    path("", include("billing.urls")),
    path("", include("market.urls")),
    path("", include("accounts.urls")),
]
