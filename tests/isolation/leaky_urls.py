"""The URL conf of the walk's own test: the real routes plus two that forget the tenant."""

from django.http import HttpResponse
from django.urls import include, path

from watchlists.models import Watchlist


def leaky_detail(request, watchlist_id: int) -> HttpResponse:
    watchlist = Watchlist.objects.filter(pk=watchlist_id).first()  # no tenant: the bug the walk must catch
    if watchlist is None:
        return HttpResponse(status=404)
    if request.method == "POST":
        Watchlist.objects.filter(pk=watchlist_id).update(name="renamed by another tenant")
    return HttpResponse(watchlist.name)


def leaky_list(request) -> HttpResponse:
    return HttpResponse(", ".join(Watchlist.objects.values_list("name", flat=True)))


urlpatterns = [
    path("leaky/<int:watchlist_id>/", leaky_detail, name="leaky_detail"),
    path("leaky/", leaky_list, name="leaky_list"),
    path("", include("config.urls")),
]
