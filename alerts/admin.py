from django.contrib import admin

from alerts.models import AlertEvent, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "kind", "left", "op", "right", "value", "timeframe", "status", "paused_reason",
                    "last_fired_at"]
    list_filter = ["kind", "status", "paused_reason", "timeframe"]
    search_fields = ["name", "tenant__name"]
    raw_id_fields = ["tenant", "created_by", "instrument", "watchlist"]


@admin.register(AlertEvent)
class AlertEventAdmin(admin.ModelAdmin):
    """Fired events are a record: read-only here."""

    list_display = ["message", "tenant", "rule", "fired_at", "created_at"]
    search_fields = ["message", "tenant__name"]
    raw_id_fields = ["tenant", "rule", "instrument", "signal"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
