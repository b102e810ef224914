from django.contrib import admin

from billing.models import Plan, Subscription


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
