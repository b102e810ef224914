from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Plans, subscriptions mirrored from Stripe, entitlements. Its periodic tasks are in billing/periodic_tasks.py."""

    name = "billing"
