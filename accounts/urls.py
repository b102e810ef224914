from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views

account_patterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("", views.landing, name="landing"),
    path("robots.txt", views.robots, name="robots"),
    path("app/", views.dashboard, name="dashboard"),
    path("accounts/", include((account_patterns, "accounts"))),
]
