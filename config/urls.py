from django.contrib import admin
from django.urls import include, path

from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("billing.urls")),
    path("", include("market.urls")),
    path("", include("accounts.urls")),
    path("", include("watchlists.urls")),
    path("", include("portfolios.urls")),
    path("", include("alerts.urls")),
]
