from django.urls import path

from backtests import views

app_name = "backtests"
urlpatterns = [
    path("app/backtests/", views.backtest_index, name="index"),
    path("app/backtests/new/", views.backtest_new, name="new"),
    path("app/backtests/compare/", views.backtest_compare, name="compare"),
    path("app/backtests/<int:backtest_id>/", views.backtest_detail, name="detail"),
    path("app/backtests/<int:backtest_id>/status/", views.backtest_status, name="status"),
    path("app/backtests/<int:backtest_id>/cancel/", views.backtest_cancel, name="cancel"),
]
