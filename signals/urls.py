from django.urls import path

from signals import views

app_name = "signals"
urlpatterns = [
    path("app/signals/", views.signal_list, name="list"),
    path("app/signals/<int:signal_id>/", views.signal_page, name="detail"),
]
