from __future__ import annotations

from django.db import models
from django.template.defaultfilters import pluralize
from django.utils import timezone

from billing.catalogue import CHANNEL_LABELS


class Plan(models.Model):
    """A tier of the catalogue. Every limit and feature is a field: entitlements are data."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=240, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_default = models.BooleanField(default=False, help_text="The plan a tenant has without a paid subscription.")
    is_public = models.BooleanField(default=True)

    monthly_price_cents = models.PositiveIntegerField(default=0)
    yearly_price_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="usd")
    stripe_price_monthly = models.CharField(max_length=64, blank=True)
    stripe_price_yearly = models.CharField(max_length=64, blank=True)
    trial_days = models.PositiveSmallIntegerField(default=0)

    seats = models.PositiveIntegerField(default=1)
    watchlists = models.PositiveIntegerField(default=1)
    symbols_per_watchlist = models.PositiveIntegerField(default=10)
    active_alerts = models.PositiveIntegerField(default=3)
    alert_channels = models.JSONField(default=list, help_text='Subset of ["in_app", "email", "push", "webhook"].')
    paper_portfolios = models.PositiveIntegerField(default=1)
    backtests_per_day = models.PositiveIntegerField(default=3)
    optimisation_trials = models.PositiveIntegerField(
        default=50, help_text="Most parameter sets one backtest optimisation may try.")
    api_requests_per_minute = models.PositiveIntegerField(default=0)
    api_requests_per_day = models.PositiveIntegerField(default=0)
    websocket_connections = models.PositiveIntegerField(default=1)
    asset_classes = models.JSONField(default=list, help_text='Subset of ["stock", "forex", "crypto"].')
    instruments = models.JSONField(default=list, blank=True,
                                   help_text="Symbols in the engine's universe; "
                                             "empty means every active one of the asset classes.")
    timeframes = models.JSONField(default=list,
                                  help_text='Timeframes the engine computes for this tier, e.g. ["H1", "D1"].')
    signal_delay_seconds = models.PositiveIntegerField(default=0)
    shows_confidence = models.BooleanField(default=False)
    shows_reasoning = models.BooleanField(default=False)
    engine_cadence_seconds = models.PositiveIntegerField(default=3600)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="plan_single_default"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def alert_channel_labels(self) -> list[str]:
        """The alert channels as a subscriber reads them: "in-app", "email", "web push", "webhook"."""
        return [CHANNEL_LABELS.get(channel, channel) for channel in self.alert_channels]

    @property
    def signal_delay_words(self) -> str:
        """The signal delay in the largest whole unit: "1 hour", "15 minutes", "90 seconds"."""
        seconds = self.signal_delay_seconds
        for unit, size in (("hour", 3600), ("minute", 60)):
            if seconds >= size and seconds % size == 0:
                return f"{seconds // size} {unit}{pluralize(seconds // size)}"
        return f"{seconds} second{pluralize(seconds)}"


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses."""

    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    CANCELED = "canceled"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    PAUSED = "paused"


class Subscription(models.Model):
    """The tenant's billing state, mirrored from Stripe. One per tenant."""

    tenant = models.OneToOneField("accounts.Tenant", on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    stripe_customer_id = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=64, blank=True, db_index=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True)
    past_due_notified_at = models.DateTimeField(null=True, blank=True)
    downgrade_notified_at = models.DateTimeField(null=True, blank=True)
    stripe_updated_at = models.DateTimeField(null=True, blank=True,
                                             help_text="Time of the newest Stripe state applied; "
                                                       "older events are ignored.")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.tenant} on {self.plan} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event received from Stripe: stored once by its id, so a replay does nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class UsageMetric(models.TextChoices):
    API_CALLS = "api_calls", "API calls"
    BACKTESTS = "backtests", "Backtests"
    ALERTS_FIRED = "alerts_fired", "Alerts fired"


class UsageCounter(models.Model):
    """How much of a metered thing a tenant used on a UTC day."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=20, choices=UsageMetric.choices)
    day = models.DateField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "metric", "day"], name="usage_once_per_day")]
        indexes = [models.Index(fields=["tenant", "day"])]

    def __str__(self) -> str:
        return f"{self.tenant} {self.get_metric_display()} {self.day}: {self.count}"
