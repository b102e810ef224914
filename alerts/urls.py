from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("app/alerts/", views.alert_index, name="index"),
    path("app/alerts/<int:rule_id>/", views.alert_rule_change, name="rule_change"),
]
