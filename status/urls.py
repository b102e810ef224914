from django.urls import path

from status import views

urlpatterns = [path("status/", views.status_page, name="status")]
