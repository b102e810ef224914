"""The application bench_api.py serves: Beacon's own (production settings, its URLs and middleware) plus a
bare endpoint for comparison; `application` for an ASGI server (daphne), `wsgi_application` for a WSGI
one (gunicorn).

The bare endpoint is what DRF gives without Beacon's conventions: a ListAPIView over the same Signal
table, with a ModelSerializer of the same fields, select_related so there is no N+1, cursor pagination
of the same page size, and no authentication, permission or throttle.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework import generics, pagination, serializers  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402

from signals.models import Signal  # noqa: E402


class BareSignalSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.symbol")
    targets = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    result = serializers.CharField(source="outcome.result", default=None)
    r_multiple = serializers.FloatField(source="outcome.r_multiple", default=None)

    class Meta:
        model = Signal
        fields = ["id", "instrument", "asset_class", "timeframe", "direction", "score", "confidence", "entry",
                  "stop", "targets", "risk_reward", "regime", "bar_time", "created_at", "valid_until", "status",
                  "result", "r_multiple"]

    def get_targets(self, signal) -> list[float]:
        return [signal.target_1, signal.target_2, signal.target_3]

    def get_status(self, signal) -> str:
        return "closed" if getattr(signal, "outcome", None) is not None else "open"


class BarePagination(pagination.CursorPagination):
    page_size = 50
    ordering = "-created_at"


class BareSignalList(generics.ListAPIView):
    queryset = Signal.objects.select_related("instrument", "outcome")
    serializer_class = BareSignalSerializer
    pagination_class = BarePagination
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []


urlpatterns = [
    path("bench/bare-signals/", BareSignalList.as_view()),
    path("", include("config.urls")),
]
settings.ROOT_URLCONF = __name__
application = get_asgi_application()
wsgi_application = get_wsgi_application()
