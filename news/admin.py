from django.contrib import admin, messages
from django.db import models

from config.outbound import TransportError
from news.models import NewsFeed, NewsItem, NewsMention
from news.services import news_feed_poll


@admin.register(NewsFeed)
class NewsFeedAdmin(admin.ModelAdmin):
    """The operator's feeds: add an RSS or Atom URL, see when it was polled and why it failed."""

    list_display = ["name", "url", "active", "last_polled_at", "items_stored", "last_error"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    readonly_fields = ["last_polled_at", "last_error", "items_stored", "created_at"]
    actions = ["poll_now"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.action(description="Poll the selected feeds now")
    def poll_now(self, request, queryset):
        for feed in queryset:
            try:
                report = news_feed_poll(feed=feed)
                self.message_user(request, f"{feed}: {report.stored} new, {report.duplicates} already stored.")
            except TransportError as error:
                self.message_user(request, f"{feed}: {error.message}", level=messages.ERROR)


class NewsMentionInline(admin.TabularInline):
    model = NewsMention
    extra = 0
    raw_id_fields = ["instrument"]
    readonly_fields = ["published_at"]


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "provider", "published_at", "sentiment", "scorer"]
    list_filter = ["provider", "scorer"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_at"
    raw_id_fields = ["feed"]
    inlines = [NewsMentionInline]
