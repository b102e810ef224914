"""Alert rules, the events they fire, the books of their conditions, and the events' deliveries.

A rule watches one instrument, every instrument of a watchlist (following the list as it changes),
or, for signal and outcome rules, every instrument. Its condition is stored as plain columns (kind,
left, op, right, value, and the signal filters) so that one query loads every rule of an instrument
and timeframe without parsing anything (alerts.conditions says what each may hold). An event is
delivered on each channel its rule names (and the plan allows) as one Delivery per channel and target.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.tenancy import TenantOwnedModel
from alerts import conditions
from market.models import TIMEFRAME_CHOICES
from vault.fields import SealedTextField
from vault.services import sealed_read, sealed_write


class AlertKind(models.TextChoices):
    PRICE = conditions.PRICE, "Price"
    PERCENT_MOVE = conditions.PERCENT_MOVE, "Percent move"
    INDICATOR = conditions.INDICATOR, "Indicator"
    VOLUME = conditions.VOLUME, "Volume"
    SIGNAL = conditions.SIGNAL, "New signal"
    OUTCOME = conditions.OUTCOME, "Signal outcome"


class AlertOp(models.TextChoices):
    ABOVE = conditions.ABOVE, "is above"
    BELOW = conditions.BELOW, "is below"
    CROSSES = conditions.CROSSES, "crosses"
    CROSSES_UP = conditions.CROSSES_UP, "crosses above"
    CROSSES_DOWN = conditions.CROSSES_DOWN, "crosses below"
    OUTSIDE = conditions.OUTSIDE, "is outside"
    INSIDE = conditions.INSIDE, "is inside"
    PUBLISHED = conditions.PUBLISHED, "is published"
    HITS_TARGET = conditions.HITS_TARGET, "hits a target"
    HITS_STOP = conditions.HITS_STOP, "hits its stop"
    CLOSES = conditions.CLOSES, "hits a target or its stop"


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


class RuleStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class PausedReason(models.TextChoices):
    NONE = "", "Not paused"
    MEMBER = "member", "Paused by a member"
    PLAN = "plan", "Over the plan's limits"
    FIRED_ONCE = "fired_once", "Fired once"


class Repeat(models.TextChoices):
    ONCE = "once", "Once"
    EVERY_TIME = "every_time", "Every time"


class SignalDirection(models.TextChoices):
    ANY = "", "Either"
    BUY = "BUY", "Buy"
    SELL = "SELL", "Sell"


class AlertRule(TenantOwnedModel):
    """A condition to watch, created by a member, delivered on `channels` when it fires.

    Its foreign keys to the tenant, instrument and watchlist are served by the composite indexes below
    (a rule's firing rewrites its row: fewer indexes, less to rewrite)."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    status = models.CharField(max_length=8, choices=RuleStatus.choices, default=RuleStatus.ACTIVE)
    paused_reason = models.CharField(max_length=12, choices=PausedReason.choices, blank=True, default="")
    kind = models.CharField(max_length=14, choices=AlertKind.choices)
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", db_index=False)
    watchlist = models.ForeignKey("watchlists.Watchlist", on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="alert_rules", help_text="Every instrument of the list, as it changes.",
                                  db_index=False)
    timeframe = models.CharField(max_length=4, choices=TIMEFRAME_CHOICES, blank=True,
                                 help_text="The bars a bar rule watches; for signal and outcome rules, a filter.")
    left = models.CharField(max_length=40, blank=True, help_text="A series, e.g. close, rsi(14), change(5).")
    op = models.CharField(max_length=14, choices=AlertOp.choices)
    right = models.CharField(max_length=40, blank=True, help_text="A series to compare with, or empty for `value`.")
    value = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=4, choices=SignalDirection.choices, blank=True, default="")
    min_confidence = models.FloatField(null=True, blank=True)
    asset_class = models.CharField(max_length=10, blank=True, default="")
    channels = models.JSONField(default=list, blank=True)
    cooldown_seconds = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    repeat = models.CharField(max_length=10, choices=Repeat.choices, default=Repeat.EVERY_TIME)
    last_fired_at = models.DateTimeField(null=True, blank=True, help_text=(
        "When a rule with a cooldown or that fires once last fired (what those count from); its events say "
        "when any rule fired."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(instrument=None) | Q(watchlist=None),
                                   name="alert_rule_one_target"),
        ]
        indexes = [models.Index(fields=["instrument", "timeframe"]), models.Index(fields=["watchlist", "timeframe"]),
                   models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def condition(self) -> conditions.Condition:
        return conditions.Condition(kind=self.kind, left=self.left, op=self.op, right=self.right, value=self.value)

    @property
    def is_active(self) -> bool:
        return self.status == RuleStatus.ACTIVE

    @property
    def channel_labels(self) -> str:
        return ", ".join(Channel(c).label if c in Channel.values else c for c in self.channels)

    @property
    def summary(self) -> str:
        """The condition in words: "rsi(14) is above 70", "a new BUY signal on H1"."""
        if self.kind == AlertKind.SIGNAL:
            words = f"a new {self.direction + ' ' if self.direction else ''}signal"
            if self.min_confidence is not None:
                words += f" with confidence from {self.min_confidence:.0%}"
            if self.asset_class:
                words += f" on {self.asset_class}"
            return words + (f" ({self.timeframe})" if self.timeframe else "")
        if self.kind == AlertKind.OUTCOME:
            return f"a {self.direction + ' ' if self.direction else ''}signal {AlertOp(self.op).label}"
        compared = self.right or (f"{self.value:g}" if self.value is not None else "?")
        return f"{self.left} {AlertOp(self.op).label} {compared}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class AlertEvent(TenantOwnedModel):
    """A rule fired: at most once per rule and trigger (a bar of an instrument, a signal, an outcome).

    Thousands are inserted at a bar's close, so it keeps only the indexes it is read by: (rule, trigger)
    and (tenant, newest first) also serve the rule's and the tenant's foreign keys. Its rule, tenant and
    instrument are not checked by database constraints (PostgreSQL checks each row's keys one by one at
    the commit: 0.3 s of a close's 7,000 events): alerts.event_books inserts an event only joined to its
    rule, locked (FOR KEY SHARE, as a constraint's check locks it), taking the tenant from the rule, and
    a rule is deleted (alerts.services.alert_rule_delete) only after locking it, so no event outlives its
    rule. Django still cascades deletions along them."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events", db_index=False,
                             db_constraint=False)
    trigger_key = models.CharField(max_length=64, help_text="bar:<instrument>:<timeframe>:<epoch s>, "
                                                            "signal:<id>:<tier> or outcome:<signal id>.")
    # instruments are retired, not deleted: no index for a deletion
    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+", db_index=False, db_constraint=False)
    timeframe = models.CharField(max_length=4, blank=True)
    bar_time = models.DateTimeField(null=True, blank=True, help_text="Open time of the bar that fired it.")
    signal = models.ForeignKey("signals.Signal", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               db_index=False)  # signals are never deleted
    fired_at = models.DateTimeField(help_text="The moment it fired: the bar's close, the publication, the outcome.")
    message = models.CharField(max_length=300)
    left_value = models.FloatField(null=True, blank=True)
    right_value = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "trigger_key"], name="alert_event_once_per_trigger")]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return self.message


class AlertBarCursor(models.Model):
    """The newest closed bar whose bar rules were evaluated for an instrument and timeframe: a bar is
    claimed by advancing this (one conditional upsert for a whole batch), so it is evaluated once."""

    instrument = models.ForeignKey("market.Instrument", on_delete=models.CASCADE, related_name="+")
    timeframe = models.CharField(max_length=4)
    last_bar_time = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instrument", "timeframe"], name="alert_bar_cursor_pair")]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.timeframe} at {self.last_bar_time:%Y-%m-%d %H:%M}"


class AlertOutcomeCursor(models.Model):
    """How far outcome rules have read the recorded signal outcomes (by id): one row."""

    last_outcome_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"outcomes read up to #{self.last_outcome_id}"


# --- Deliveries: one Delivery per channel (and destination) of each AlertEvent ----------------------


class Destination(TenantOwnedModel):
    """Where one member's alerts go on a channel that needs an address: a webhook endpoint, a browser's
    push subscription, a linked Telegram chat or a Discord channel webhook. Disabled, it gets nothing."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    label = models.CharField(max_length=120, blank=True)
    url = models.URLField(max_length=2000, blank=True, help_text=(
        "Webhook URL, push endpoint, or a Discord webhook's URL without its token (the whole one is sealed)."))
    # Secrets are sealed by the vault (docs/vault.md), bound to the tenant and the column: read and set
    # them through the properties below, which open each once per instance.
    secret_encrypted = SealedTextField(blank=True, help_text="A webhook endpoint's signing secret, sealed.")
    push_p256dh = models.CharField(max_length=120, blank=True, help_text="The browser's public key (not a secret).")
    push_auth_encrypted = SealedTextField(blank=True, help_text="A push subscription's auth secret, sealed.")
    discord_url_encrypted = SealedTextField(blank=True, help_text="A Discord webhook's URL with its token, sealed.")
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

    @property
    def secret(self) -> str:
        return sealed_read(self, "secret_encrypted")

    @secret.setter
    def secret(self, plaintext: str) -> None:
        sealed_write(self, "secret_encrypted", plaintext)

    @property
    def push_auth(self) -> str:
        return sealed_read(self, "push_auth_encrypted")

    @push_auth.setter
    def push_auth(self, plaintext: str) -> None:
        sealed_write(self, "push_auth_encrypted", plaintext)

    @property
    def discord_url(self) -> str:
        """The Discord webhook's URL with its token (what is posted to); `url` shows it without."""
        return sealed_read(self, "discord_url_encrypted")

    @discord_url.setter
    def discord_url(self, plaintext: str) -> None:
        sealed_write(self, "discord_url_encrypted", plaintext)


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
    with every attempt so a receiver can drop a repeat. Thousands are inserted at a close, so the event's
    and the destination's keys are served by the unique key and the (destination, newest first) index
    rather than by indexes of their own, and the tenant's by none (a tenant is deleted rarely: the
    deletion reads the table through). Its tenant, event and member are not checked by database
    constraints (a close's 9,000 deliveries: 0.36 s of checks at the commit): they are inserted with the
    event they belong to, in its transaction, with the event's tenant and for a member found in the
    tenant; Django still cascades deletions along them, and an attempt whose member is gone fails."""

    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False,
                               db_constraint=False)
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, null=True, blank=True, db_index=False,
                              db_constraint=False, related_name="deliveries", help_text="None for a test send.")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                               db_constraint=False)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    destination = models.ForeignKey(Destination, on_delete=models.SET_NULL, null=True, blank=True, db_index=False,
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
                   models.Index(fields=["destination", "-created_at"], condition=Q(destination__isnull=False),
                                name="delivery_destination_log")]  # in-app and email have none
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
