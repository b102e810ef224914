"""Writes of a member's alert destinations: webhook endpoints, push subscriptions, Telegram chats and
Discord webhooks; and what happens to one that fails for a day or is gone (disabled, the member told).

Each is the member's own within a tenant: adding one needs the channel in the tenant's plan
(`alert_channels`); nothing here compares plan names.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Tenant, User
from alerts.channels.discord import discord_shown_url, discord_url_refusal
from alerts.channels.email import email_render, email_send
from alerts.channels.public_network import url_refusal
from alerts.models import Channel, Destination, Notification, TelegramLinkCode
from billing.entitlements import feature_ensure
from config.errors import InvalidInput, PlanLimitReached
from config.outbound import TransportError

DESTINATIONS_PER_MEMBER: dict[str, int] = {Channel.WEBHOOK: 10, Channel.DISCORD: 10, Channel.PUSH: 20,
                                           Channel.TELEGRAM: 5}
FAILING_LIMIT = timedelta(hours=24)  # a destination that failed for this long, without a success, is disabled
TELEGRAM_CODE_TTL = timedelta(minutes=15)
TELEGRAM_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen, typed in a chat
WEBHOOK_SECRET_PREFIX = "whsec_"  # recognised and redacted by config.logging

logger = logging.getLogger(__name__)


def _ensure_room(*, tenant: Tenant, member: User, channel: str) -> None:
    feature_ensure(tenant=tenant, feature="alert_channels", value=channel)
    used = Destination.objects.for_tenant(tenant).filter(member=member, channel=channel).count()
    allowed = DESTINATIONS_PER_MEMBER[channel]
    if used >= allowed:
        raise PlanLimitReached(f"You can add up to {allowed} {Channel(channel).label} destinations; remove one first.",
                               limit=f"{channel}_destinations", allowed=allowed, used=used)


def _url_checked(url: str, *, field: str = "url") -> str:
    url = (url or "").strip()
    refusal = url_refusal(url) if url else "Enter a URL."
    if refusal is not None:
        raise InvalidInput(refusal, fields={field: [refusal]})
    return url


def webhook_secret_new() -> str:
    return WEBHOOK_SECRET_PREFIX + secrets.token_hex(32)


@transaction.atomic
def webhook_endpoint_create(*, tenant: Tenant, member: User, url: str, label: str = "") -> Destination:
    """A new webhook endpoint of the member with its own signing secret; the URL must be https and public."""
    _ensure_room(tenant=tenant, member=member, channel=Channel.WEBHOOK)
    endpoint = Destination(tenant=tenant, member=member, channel=Channel.WEBHOOK, url=_url_checked(url),
                           label=label.strip()[:120])
    endpoint.secret = webhook_secret_new()  # sealed by the vault for the tenant
    endpoint.save(force_insert=True)
    return endpoint


def webhook_endpoint_update(*, destination: Destination, url: str | None = None, label: str | None = None
                            ) -> Destination:
    """Change an endpoint's URL or label (its secret stays)."""
    if url is not None:
        destination.url = _url_checked(url)
    if label is not None:
        destination.label = label.strip()[:120]
    destination.save(update_fields=["url", "label"])
    return destination


def webhook_secret_rotate(*, destination: Destination) -> Destination:
    """A new signing secret: the old one stops verifying at once."""
    destination.secret = webhook_secret_new()
    destination.save(update_fields=["secret_encrypted"])
    return destination


@transaction.atomic
def discord_webhook_add(*, tenant: Tenant, member: User, url: str, label: str = "") -> Destination:
    """A Discord channel webhook of the member (validated as one)."""
    url = (url or "").strip()
    refusal = discord_url_refusal(url)
    if refusal is not None:
        raise InvalidInput(refusal, fields={"url": [refusal]})
    _ensure_room(tenant=tenant, member=member, channel=Channel.DISCORD)
    shown = discord_shown_url(url)
    webhook = Destination(tenant=tenant, member=member, channel=Channel.DISCORD, url=shown,
                          label=label.strip()[:120] or shown)
    webhook.discord_url = url  # the whole URL, token included, sealed by the vault; `url` is shown without
    webhook.save(force_insert=True)
    return webhook


def _b64url_bytes(value: str, *, field: str, length: int) -> str:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError, TypeError):
        raw = b""
    if len(raw) != length:
        raise InvalidInput("This is not a browser's push subscription.",
                           fields={field: [f"Must be {length} bytes in base64url."]})
    return value


@transaction.atomic
def push_subscription_save(*, tenant: Tenant, member: User, endpoint: str, p256dh: str, auth: str) -> Destination:
    """Store (or refresh) a browser's push subscription for the member, as the service worker sent it."""
    p256dh = _b64url_bytes(p256dh, field="p256dh", length=65)
    auth = _b64url_bytes(auth, field="auth", length=16)
    endpoint = _url_checked(endpoint, field="endpoint")
    subscription = Destination.objects.for_tenant(tenant).filter(member=member, channel=Channel.PUSH,
                                                                 url=endpoint).first()
    if subscription is None:
        _ensure_room(tenant=tenant, member=member, channel=Channel.PUSH)
        subscription = Destination(tenant=tenant, member=member, channel=Channel.PUSH, url=endpoint,
                                   label="This browser")
    subscription.push_p256dh = p256dh
    subscription.push_auth = auth  # sealed by the vault for the tenant
    subscription.disabled_at = subscription.failing_since = None
    if subscription.pk is None:
        subscription.save(force_insert=True)
    else:  # the browser renewed its keys
        subscription.save(update_fields=["push_p256dh", "push_auth_encrypted", "disabled_at", "failing_since"])
    return subscription


def push_subscription_remove(*, tenant: Tenant, member: User, endpoint: str) -> int:
    """Forget the member's subscription of that endpoint (the browser unsubscribed); how many went."""
    deleted, _ = Destination.objects.for_tenant(tenant).filter(member=member, channel=Channel.PUSH,
                                                               url=endpoint).delete()
    return deleted


def destination_delete(*, destination: Destination) -> None:
    """Remove a destination; its past deliveries stay in the log without it."""
    destination.delete()


def destination_enable(*, destination: Destination) -> Destination:
    """Turn a disabled destination back on, if the plan still has its channel."""
    feature_ensure(tenant=destination.tenant, feature="alert_channels", value=destination.channel)
    Destination.objects.filter(pk=destination.pk).update(disabled_at=None, disabled_reason="", failing_since=None)
    destination.refresh_from_db()
    return destination


# --- Telegram: a chat is linked by a one-time code the member sends to the bot from it -------------

def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def telegram_link_code_create(*, tenant: Tenant, member: User, now: datetime | None = None) -> str:
    """A new one-time code (valid TELEGRAM_CODE_TTL) for the member to send to the bot; earlier unused
    codes of the member stop working. Only its hash is stored: the plaintext is returned once."""
    now = now or timezone.now()
    _ensure_room(tenant=tenant, member=member, channel=Channel.TELEGRAM)
    TelegramLinkCode.objects.for_tenant(tenant).filter(member=member, used_at=None).update(used_at=now)
    code = "".join(secrets.choice(TELEGRAM_CODE_ALPHABET) for _ in range(8))
    TelegramLinkCode.objects.create(tenant=tenant, member=member, code_hash=_code_hash(code), created_at=now,
                                    expires_at=now + TELEGRAM_CODE_TTL)
    return code


@transaction.atomic
def telegram_chat_link(*, code: str, chat_id: int, chat_title: str, now: datetime | None = None) -> Destination | None:
    """Link the chat the code came from to the code's member and tenant; None for an unknown, used or
    expired code. The code is spent in a conditional UPDATE, so it links one chat once."""
    now = now or timezone.now()
    link = TelegramLinkCode.objects.select_related("tenant", "member").filter(
        code_hash=_code_hash(code), used_at=None, expires_at__gt=now).first()
    if link is None or not TelegramLinkCode.objects.filter(pk=link.pk, used_at=None).update(used_at=now):
        return None
    destination, _ = Destination.objects.update_or_create(
        tenant=link.tenant, member=link.member, channel=Channel.TELEGRAM, chat_id=chat_id,
        defaults={"label": chat_title[:120] or f"Chat {chat_id}", "disabled_at": None, "disabled_reason": "",
                  "failing_since": None})
    return destination


# --- Failing and gone destinations --------------------------------------------------------------

def destination_success_note(*, destination: Destination, now: datetime) -> None:
    Destination.objects.filter(pk=destination.pk).update(failing_since=None, last_success_at=now)


def destination_failure_note(*, destination: Destination, now: datetime) -> bool:
    """Count a failure: the first since a success starts the clock; failing for FAILING_LIMIT disables the
    destination and tells its member. Whether it was disabled now."""
    Destination.objects.filter(pk=destination.pk, failing_since=None).update(failing_since=now)
    destination.refresh_from_db(fields=["failing_since", "disabled_at"])
    since = destination.failing_since or now
    if destination.disabled_at is None and since <= now - FAILING_LIMIT:
        hours = int(FAILING_LIMIT.total_seconds() // 3600)
        return destination_disable(destination=destination, now=now,
                                   reason=f"Every delivery failed for {hours} hours.")
    return False


def destination_gone(*, destination: Destination, reason: str, now: datetime) -> None:
    """The service says the destination is gone for good: an expired push subscription is removed, any
    other destination disabled (its member told)."""
    if destination.channel == Channel.PUSH:
        destination.delete()
    else:
        destination_disable(destination=destination, reason=reason, now=now)


def destination_disable(*, destination: Destination, reason: str, now: datetime) -> bool:
    """Disable the destination (once) and tell its member by email and in the app. Whether it was enabled."""
    if not Destination.objects.filter(pk=destination.pk, disabled_at=None).update(disabled_at=now,
                                                                                  disabled_reason=reason[:200]):
        return False
    destination.refresh_from_db()
    title = f"Your {destination.get_channel_display()} alerts are turned off"
    page = settings.SITE_URL.rstrip("/") + reverse("alerts:channels")
    Notification.objects.create(tenant=destination.tenant, member=destination.member, title=title,
                                text=f"{destination.label}: {reason} Turn it back on under Alert channels.",
                                url=reverse("alerts:channels"), created_at=now)
    email = email_render(template="destination_disabled", to=destination.member.email, context={
        "destination": destination, "reason": reason, "title": title, "page": page})
    transaction.on_commit(lambda: _notice_send(email))
    return True


def _notice_send(email) -> None:
    try:
        email_send(email)
    except TransportError as error:  # the in-app notification and the settings page still say it
        logger.warning("the notice %r to %s was not sent: %s", email.subject, email.to, error.message)
