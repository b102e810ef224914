from django.urls import path

from market import views

app_name = "market"
urlpatterns = [
    path("app/markets/", views.markets, name="markets"),
    path("app/instruments/<str:symbol>/", views.instrument, name="instrument"),
]
