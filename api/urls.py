"""Every route of the public API, under /api/v1/ (namespace `api-v1`), gathered from each app's api.py.

Viewsets are registered on `router` (trailing slashes); other endpoints are listed in `urlpatterns`.
The last route answers any other path with a JSON 404.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from alerts import api as alerts_api
from api.errors import endpoint_not_found
from backtests import api as backtests_api
from billing import api as billing_api
from market import api as market_api
from news import api as news_api
from portfolios import api as portfolios_api
from signals import api as signals_api
from signals import screener_api
from watchlists import api as watchlists_api

app_name = "api-v1"

router = DefaultRouter()
router.register("webhook-endpoints", alerts_api.WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("notifications", alerts_api.NotificationViewSet, basename="notification")
router.register("watchlists", watchlists_api.WatchlistViewSet, basename="watchlist")
router.register("backtests", backtests_api.BacktestViewSet, basename="backtest")
router.register("alert-rules", alerts_api.AlertRuleViewSet, basename="alert-rule")
router.register("alert-events", alerts_api.AlertEventViewSet, basename="alert-event")
router.register("portfolios", portfolios_api.PortfolioViewSet, basename="portfolio")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves the page's script from ?script, so the page needs no inline <script> (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-v1:schema", template_name="api/swagger_ui.html"),
         name="docs"),
    path("me/", accounts_api.me, name="me"),
    path("billing/usage/", billing_api.usage, name="usage"),
    path("screener/", screener_api.screener, name="screener"),
    path("signals/", signals_api.SignalListApi.as_view(), name="signal-list"),
    path("signals/<int:signal_id>/", signals_api.SignalDetailApi.as_view(), name="signal-detail"),
    path("instruments/", market_api.InstrumentListApi.as_view(), name="instrument-list"),
    path("instruments/<str:symbol>/bars/", market_api.BarListApi.as_view(), name="bar-list"),
    path("news/", news_api.NewsListApi.as_view(), name="news-list"),
    path("track-record/", signals_api.TrackRecordApi.as_view(), name="track-record"),
    path("track-record/summary/", signals_api.TrackRecordSummaryApi.as_view(), name="track-record-summary"),
    path("track-record/chart-patterns/", signals_api.ChartPatternTrackRecordApi.as_view(),
         name="track-record-chart-patterns"),
    path("ledger/", signals_api.LedgerEntryListApi.as_view(), name="ledger-entry-list"),
    path("ledger/verify/", signals_api.LedgerVerifyApi.as_view(), name="ledger-verify"),
    *router.urls,
    re_path(r"^[\s\S]*$", endpoint_not_found, name="endpoint-not-found"),
]
