from django.contrib import admin
from django.urls import include, path

from config import health, maintenance
from signals import views as signal_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("billing.urls")),
    path("app/", signal_views.dashboard, name="dashboard"),
    path("", include("signals.urls")),
    path("", include("market.urls")),
    path("", include("accounts.urls")),
    path("", include("watchlists.urls")),
    path("", include("portfolios.urls")),
    path("", include("backtests.urls")),
    path("", include("alerts.urls")),
    path("", include("signals.site_urls")),
    path("", include("status.urls")),
]

handler500 = maintenance.server_error
