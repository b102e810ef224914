"""Routes of the website's track record, screener and ledger verification pages."""

from django.urls import path

from signals import site_views

urlpatterns = [
    path("track-record/", site_views.track_record_public, name="track_record_public"),
    path("app/track-record/", site_views.track_record, name="track_record"),
    path("app/screener/", site_views.screener, name="screener"),
    path("ledger/verify/", site_views.ledger_verify, name="ledger_verify"),
]
