from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel

# --- Deliveries (alert-deliveries): one Delivery per channel of each AlertEvent -------------------


class AlertEvent(TenantOwnedModel):
    """PLACEHOLDER: merged with watchlists-alerts' AlertEvent by the lead (delete this class then).

    Deliveries read an event only through alerts.event_fields (tenant, member, channels, title, text,
    payload, created_at), so the merge changes that one module, not the channels."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    channels = models.JSONField(default=list, blank=True, help_text="The channels the rule asks for.")
    fired_for = models.CharField(max_length=120, help_text="What fired: one event per rule and occasion.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "fired_for"], name="alertevent_unique_fired_for")]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    """The ways an alert reaches a member; a plan's `alert_channels` lists the ones its tenants may use."""

    IN_APP = "in_app", "In-app"
    EMAIL = "email", "Email"
    PUSH = "push", "Web push"
    WEBHOOK = "webhook", "Webhook"
    TELEGRAM = "telegram", "Telegram"
    DISCORD = "discord", "Discord"


# In-app and email reach the member as such; the others need a Destination (an address) each.
MEMBER_CHANNELS = (Channel.IN_APP, Channel.EMAIL)


class Destination(TenantOwnedModel):
    """Where one member's alerts go on a channel that needs an address: a webhook endpoint, a browser's
    push subscription, a linked Telegram chat or a Discord channel webhook. Disabled, it gets nothing."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    label = models.CharField(max_length=120, blank=True)
    url = models.URLField(max_length=2000, blank=True, help_text="Webhook URL, push endpoint or Discord webhook URL.")
    secret = models.CharField(max_length=80, blank=True, help_text="A webhook endpoint's signing secret.")
    push_p256dh = models.CharField(max_length=120, blank=True)
    push_auth = models.CharField(max_length=40, blank=True)
    chat_id = models.BigIntegerField(null=True, blank=True, help_text="The linked Telegram chat.")
    created_at = models.DateTimeField(default=timezone.now)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="First failure since the last success.")
    last_success_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "member", "channel"])]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "member", "url"], condition=Q(channel="push"),
                                    name="destination_unique_push_endpoint"),
            models.UniqueConstraint(fields=["tenant", "member", "chat_id"], condition=Q(channel="telegram"),
                                    name="destination_unique_telegram_chat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.label or self.pk}"

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for its first attempt
    SENDING = "sending", "Sending"  # claimed by a worker until `claimed_until`
    RETRYING = "retrying", "Retrying"  # failed; tried again from `next_attempt_at`
    HELD = "held", "Held for the digest"  # an email that goes out in the member's next digest
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # given up: the error was permanent, or retries ran out


class Delivery(TenantOwnedModel):
    """One alert on one channel (one destination) for one member, with its state and attempts.

    At most one per (event, channel, target): creating them twice creates nothing more. Workers claim
    one with a conditional UPDATE, so two runs of its task send it once; the idempotency key travels
    with every attempt so a receiver can drop a repeat."""

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="deliveries", help_text="None for a test send.")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    destination = models.ForeignKey(Destination, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="deliveries")
    target = models.CharField(max_length=32, help_text='"member", or the destination id.')
    is_test = models.BooleanField(default=False)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["destination", "-created_at"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "target"], condition=Q(event__isnull=False),
                                    name="delivery_unique_event_channel_target"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.status})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    RETRY = "retry", "Will retry"
    FAILED = "failed", "Failed"


class DeliveryAttempt(TenantOwnedModel):
    """The delivery log: one row per attempt, with what was sent and answered (snippets, secrets out)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=8, choices=AttemptOutcome.choices)
    request = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"


class Notification(TenantOwnedModel):
    """An alert in a member's in-app list, unread until they open or mark it."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    delivery = models.OneToOneField(Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "member", "read_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class MemberAlertSettings(TenantOwnedModel):
    """A member's delivery preferences in a tenant: one email per alert, or a digest every N minutes."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email_digest_minutes = models.PositiveIntegerField(default=0, help_text="0: one email per alert.")
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "member alert settings"
        constraints = [models.UniqueConstraint(fields=["tenant", "member"], name="memberalertsettings_unique")]

    def __str__(self) -> str:
        return f"alert settings of {self.member_id} in {self.tenant_id}"


class TelegramLinkCode(TenantOwnedModel):
    """A one-time code a member sends to the bot from the chat to link it; only its hash is kept."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Telegram link code of {self.member_id}"
