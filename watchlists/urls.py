from django.urls import path

from watchlists import views

app_name = "watchlists"
urlpatterns = [
    path("app/watchlists/", views.watchlist_index, name="index"),
    path("app/watchlists/<int:watchlist_id>/", views.watchlist_detail, name="detail"),
    path("app/watchlists/<int:watchlist_id>/update/", views.watchlist_update, name="update"),
    path("app/watchlists/<int:watchlist_id>/delete/", views.watchlist_delete, name="delete"),
    path("app/watchlists/<int:watchlist_id>/search/", views.instrument_search, name="search"),
    path("app/watchlists/<int:watchlist_id>/items/", views.watchlist_item_add, name="item_add"),
    path("app/watchlists/<int:watchlist_id>/items/<str:symbol>/", views.watchlist_item_change, name="item_change"),
]
