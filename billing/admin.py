from django.contrib import admin

from billing.models import Plan, StripeEvent, Subscription, UsageCounter


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "monthly_price_cents", "seats", "signal_delay_seconds", "is_default", "is_public"]
    list_filter = ["is_public", "is_default"]
    search_fields = ["name", "code"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["tenant", "plan", "status", "current_period_end", "cancel_at_period_end", "past_due_since"]
    list_filter = ["status", "plan"]
    search_fields = ["tenant__name", "stripe_customer_id", "stripe_subscription_id"]
    raw_id_fields = ["tenant"]


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "created", "received_at", "processed_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "outcome"]


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ["tenant", "metric", "day", "count"]
    list_filter = ["metric", "day"]
    search_fields = ["tenant__name"]
