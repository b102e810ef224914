from django.urls import path

from portfolios import views

app_name = "portfolios"
urlpatterns = [
    path("app/portfolios/", views.portfolio_index, name="index"),
    path("app/portfolios/order/", views.order_ticket_any, name="order_any"),
    path("app/portfolios/<int:portfolio_id>/", views.portfolio_detail, name="detail"),
    path("app/portfolios/<int:portfolio_id>/order/", views.order_ticket, name="order"),
    path("app/portfolios/<int:portfolio_id>/orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("app/portfolios/<int:portfolio_id>/journal.csv", views.journal_csv, name="journal_csv"),
    path("app/portfolios/<int:portfolio_id>/settings/", views.portfolio_settings, name="settings"),
    path("app/portfolios/<int:portfolio_id>/reset/", views.portfolio_reset, name="reset"),
    path("app/portfolios/<int:portfolio_id>/delete/", views.portfolio_delete, name="delete"),
    path("app/portfolios/<int:portfolio_id>/follow/", views.follow_rule_create, name="follow"),
    path("app/portfolios/<int:portfolio_id>/follow/<int:rule_id>/delete/", views.follow_rule_delete,
         name="follow_delete"),
]
