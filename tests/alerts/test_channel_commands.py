"""Operators' commands: point the Telegram bot's webhook here, and make VAPID keys for web push."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from alerts.models import Channel, DeliveryStatus
from tests.alerts.conftest import b64url, destination, subscribe
from tests.alerts.test_web_push import Browser, PushService, _push


def test_the_telegram_webhook_is_set_to_this_site_with_the_secret_token(telegram_bot, recorded, settings):
    settings.SITE_URL = "https://beacon.example.com"
    recorded.answer("telegram_setWebhook_ok.json")
    out = io.StringIO()

    call_command("telegram_webhook_set", stdout=out)

    sent = json.loads(recorded.requests[0].body)
    assert recorded.requests[0].url.endswith("/setWebhook")
    assert sent == {"url": "https://beacon.example.com/alerts/telegram/webhook/",
                    "secret_token": telegram_bot.TELEGRAM_WEBHOOK_SECRET, "allowed_updates": ["message"]}
    assert "beacon.example.com" in out.getvalue()


def test_without_a_webhook_secret_the_telegram_webhook_is_not_set(telegram_bot, recorded, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="TELEGRAM_WEBHOOK_SECRET"):
        call_command("telegram_webhook_set")

    assert recorded.requests == []


def test_the_telegram_webhook_is_deleted_for_polling(telegram_bot, recorded):
    recorded.answer("telegram_deleteWebhook_ok.json")

    call_command("telegram_webhook_set", "--delete", stdout=io.StringIO())

    assert recorded.requests[0].url.endswith("/deleteWebhook")


def test_generated_vapid_keys_sign_a_real_push(tenant_a, alice, receiver, local_receivers_allowed, settings):
    out = io.StringIO()
    call_command("vapid_keys_generate", stdout=out)
    for line in out.getvalue().split():
        name, value = line.split("=", 1)
        setattr(settings, name, value)
    subscribe(tenant_a, "pro")
    browser = Browser()
    destination(tenant=tenant_a, member=alice, channel=Channel.PUSH, url=receiver.url + "/push/1",
                push_p256dh=browser.p256dh, push_auth=b64url(browser.auth))
    service = PushService(browser, origin=receiver.url)
    receiver.replies.append(service)

    assert _push(tenant_a, alice).status == DeliveryStatus.SENT
    assert service.seen[0]["signed"] and service.seen[0]["k"] == settings.VAPID_PUBLIC_KEY
