"""Delivery secrets (webhook signing secrets, the Telegram bot token, Discord webhook tokens, Telegram's
webhook secret) never reach a log line or the delivery log."""

import io
import logging

import pytest
import requests

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.destinations import webhook_secret_new
from alerts.models import Channel, Delivery, DeliveryAttempt
from config.logging import RedactSecretsFilter, redact
from tests.alerts.conftest import alert_event, destination

BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
DISCORD_TOKEN = "Xr4nD0m-T0k3n_" + "b" * 54


@pytest.fixture
def configured_log():
    """The stream of the console handler configured in settings.LOGGING, captured."""
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, RedactSecretsFilter) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_redaction_knows_bot_tokens_discord_webhook_tokens_and_signing_secrets():
    secret = webhook_secret_new()
    text = redact(f"POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage token {BOT_TOKEN} "
                  f"https://discord.com/api/webhooks/1234567890123456789/{DISCORD_TOKEN}?wait=true "
                  f"https://discordapp.com/api/v10/webhooks/1234567890123456789/{DISCORD_TOKEN} "
                  f"secret {secret} whsec_abc-def_ghi X-Telegram-Bot-Api-Secret-Token: tg-secret-123")

    for leaked in (BOT_TOKEN.split(":")[1], DISCORD_TOKEN, secret[6:], "abc-def_ghi", "tg-secret-123"):
        assert leaked not in text
    assert "https://discord.com/api/webhooks/1234567890123456789/[REDACTED]" in text
    assert "/bot7012345678:[REDACTED]/sendMessage" in text


def test_a_failed_bot_api_call_logged_with_its_traceback_shows_no_token(configured_log):
    logger = logging.getLogger("alerts.test")
    try:
        requests.post(f"http://127.0.0.1:9/bot{BOT_TOKEN}/sendMessage", timeout=2)  # nothing listens there
    except requests.ConnectionError:
        logger.exception("sending to Telegram failed")

    text = configured_log.getvalue()
    assert "sending to Telegram failed" in text and "ConnectionError" in text
    assert BOT_TOKEN.split(":")[1] not in text


def test_the_delivery_log_holds_no_token_or_secret_whatever_happened(premium_a, alice, receiver,
                                                                     local_receivers_allowed, settings):
    settings.TELEGRAM_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_API_BASE = receiver.url  # the receiver plays the Bot API and Discord too
    receiver.replies += [(500, {}, b"upstream failure"),
                         (500, {}, b'{"ok": false, "error_code": 500, "description": "Internal Server Error"}'),
                         (404, {}, b'{"message": "Unknown Webhook", "code": 10015}')]
    endpoint = destination(tenant=premium_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    destination(tenant=premium_a, member=alice, channel=Channel.TELEGRAM, chat_id=42)
    destination(tenant=premium_a, member=alice, channel=Channel.DISCORD,
                url=f"{receiver.url}/api/webhooks/1234567890123456789/{DISCORD_TOKEN}")
    event = alert_event(tenant=premium_a, member=alice, channels=["webhook", "telegram", "discord"])

    for delivery in deliveries_create_for_event(event=event):
        delivery_attempt(delivery_id=delivery.pk)

    rows = [str(v) for a in DeliveryAttempt.objects.values() for v in a.values()]
    rows += [str(v) for d in Delivery.objects.values() for v in d.values()]
    assert DeliveryAttempt.objects.count() == 3 and len(receiver.received) == 3
    assert BOT_TOKEN in receiver.received[1].path and DISCORD_TOKEN in receiver.received[2].path  # sent, not kept
    for secret in (BOT_TOKEN.split(":")[1], DISCORD_TOKEN, endpoint.secret[6:]):
        assert not any(secret in value for value in rows)
