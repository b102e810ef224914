from django.contrib import admin

from alerts.models import AlertEvent, AlertRule, Delivery, DeliveryAttempt, Destination, Notification


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


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "started_at", "duration_ms", "outcome", "response_status", "error")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status", "is_test"]
    readonly_fields = ["idempotency_key", "event", "member", "destination", "tenant"]
    inlines = [DeliveryAttemptInline]


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "member", "channel", "label", "disabled_at", "failing_since"]
    list_filter = ["channel"]
    # Secrets are the member's, not staff's, to see or change: the sealed columns stay out of the form, so
    # neither the page nor the admin's change history (which names changed fields only) ever holds them.
    exclude = ["secret_encrypted", "push_auth_encrypted", "discord_url_encrypted"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "member", "title", "created_at", "read_at"]
