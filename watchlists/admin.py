from django.contrib import admin

from watchlists.models import Watchlist, WatchlistItem


class WatchlistItemInline(admin.TabularInline):
    model = WatchlistItem
    extra = 0
    raw_id_fields = ["instrument"]


@admin.register(Watchlist)
class WatchlistAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "is_shared", "created_by", "created_at"]
    list_filter = ["is_shared"]
    search_fields = ["name", "tenant__name"]
    raw_id_fields = ["tenant", "created_by"]
    inlines = [WatchlistItemInline]
