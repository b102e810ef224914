"""Every channel class by its kind (the `Channel` choices and a plan's `alert_channels` use the same)."""

from __future__ import annotations

from alerts.channels.base import Channel
from alerts.channels.discord import DiscordChannel
from alerts.channels.email import EmailChannel
from alerts.channels.in_app import InAppChannel
from alerts.channels.push import PushChannel
from alerts.channels.telegram import TelegramChannel
from alerts.channels.webhook import WebhookChannel

CHANNEL_CLASSES: dict[str, type[Channel]] = {
    channel.kind: channel
    for channel in (InAppChannel, EmailChannel, PushChannel, WebhookChannel, TelegramChannel, DiscordChannel)
}
