from django.contrib import admin

from alerts.models import Delivery, DeliveryAttempt, Destination, Notification


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
    exclude = ["secret"]  # a signing secret is the member's, not staff's, to see


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "member", "title", "created_at", "read_at"]
