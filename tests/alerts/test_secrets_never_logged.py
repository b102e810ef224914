"""Delivery secrets (webhook signing secrets, the Telegram bot token, Discord webhook tokens, Telegram's
webhook secret) never reach a log line or the delivery log."""

import base64
import io
import logging

import pytest
import requests
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.forms import MultiWidget
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.destinations import webhook_secret_new
from alerts.models import Channel, Delivery, DeliveryAttempt, Destination
from config.logging import RedactSecretsFilter, redact
from tests.accounts.conftest import totp_code
from tests.alerts.conftest import alert_event, destination, key_headers
from vault.crypto import master_key_new_entry
from vault.services import data_keys_forget, tenant_key

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


# --- the vault's plaintexts (docs/vault.md): nowhere but the destination's sealed columns and the wire ---

SIGNING_SECRET = "whsec_" + "7f" * 32
PUSH_AUTH = "dmF1bHQtcHVzaC1hdXRo"


def _vault_destinations(tenant, member, *, url: str):
    """A webhook endpoint, a Discord webhook and a push subscription, their secrets sealed."""
    return (destination(tenant=tenant, member=member, channel=Channel.WEBHOOK, url=url + "/hook",
                        secret=SIGNING_SECRET),
            destination(tenant=tenant, member=member, channel=Channel.DISCORD,
                        url=f"{url}/api/webhooks/1234567890123456789/{DISCORD_TOKEN}"),
            destination(tenant=tenant, member=member, channel=Channel.PUSH, url="https://push.example.com/wpush/v2/x",
                        push_p256dh="BPublic", push_auth=PUSH_AUTH))


def _assert_no_vault_plaintext(*texts: str) -> None:
    for text in texts:
        for secret in (SIGNING_SECRET[6:], DISCORD_TOKEN, PUSH_AUTH):
            assert secret not in text


def test_a_failed_delivery_puts_no_vault_plaintext_in_the_log_or_the_delivery_log(premium_a, alice, receiver,
                                                                                  local_receivers_allowed,
                                                                                  configured_log):
    receiver.replies += [(500, {}, b"upstream failure"), (404, {}, b'{"message": "Unknown Webhook"}')]
    _vault_destinations(premium_a, alice, url=receiver.url)
    event = alert_event(tenant=premium_a, member=alice, channels=["webhook", "discord"])

    for delivery in deliveries_create_for_event(event=event):
        delivery_attempt(delivery_id=delivery.pk)
    logging.getLogger("alerts.test").warning("a delivery to %s signed with %s failed",
                                             receiver.received[1].path, SIGNING_SECRET)

    assert DISCORD_TOKEN in receiver.received[1].path  # it went over the wire, and nowhere else
    rows = [str(v) for model in (DeliveryAttempt, Delivery) for row in model.objects.values() for v in row.values()]
    _assert_no_vault_plaintext(configured_log.getvalue(), *rows)
    assert Delivery.objects.filter(status__in=["retrying", "failed"]).count() == 2


def test_a_rotation_prints_and_logs_no_secret_and_no_data_key(premium_a, alice, configured_log, settings):
    old = master_key_new_entry("old")
    settings.VAULT_MASTER_KEYS = [old]
    data_keys_forget()
    endpoint, _, _ = _vault_destinations(premium_a, alice, url="https://hooks.example.com")
    data_key = tenant_key(tenant_id=premium_a.pk, version=1)
    settings.VAULT_MASTER_KEYS = [master_key_new_entry("new"), old]
    out = io.StringIO()

    call_command("vault_rotate", "--new-data-keys", stdout=out, stderr=out)
    settings.VAULT_MASTER_KEYS = settings.VAULT_MASTER_KEYS[:1]  # the old key gone
    data_keys_forget()

    printed = out.getvalue() + configured_log.getvalue()
    assert "1 data keys re-wrapped" in printed and old not in printed
    _assert_no_vault_plaintext(printed)
    assert data_key.hex() not in printed and base64.b64encode(data_key).decode() not in printed
    assert Destination.objects.get(pk=endpoint.pk).secret == SIGNING_SECRET


def test_an_admin_change_of_a_destination_shows_and_records_no_secret(premium_a, alice, client):
    endpoint, discord, subscription = _vault_destinations(premium_a, alice, url="https://hooks.example.com")
    staff = User.objects.create_superuser(email="ops@example.com", password="pw-ops-123456")
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    client.post("/accounts/login/", {"email": "ops@example.com", "password": "pw-ops-123456"})
    client.post("/accounts/login/verify/", {"code": totp_code(device)})
    pages = []
    for shown in (endpoint, discord, subscription):
        page = client.get(f"/admin/alerts/destination/{shown.pk}/change/")
        assert page.status_code == 200, page
        pages.append(page.content.decode())
        assert shown.secret_encrypted + shown.push_auth_encrypted + shown.discord_url_encrypted not in pages[-1]
    form = page.context["adminform"].form
    data = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        value = bound.value()
        if isinstance(bound.field.widget, MultiWidget):
            parts = bound.field.widget.decompress(value)
            data.update({f"{name}_{i}": "" if part is None else str(part) for i, part in enumerate(parts)})
        else:
            data[name] = "" if value is None else value
    data["label"] = "renamed by staff"

    response = client.post(f"/admin/alerts/destination/{subscription.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    changed = Destination.objects.get(pk=subscription.pk)
    assert (changed.label, changed.push_auth) == ("renamed by staff", PUSH_AUTH)  # the sealed column untouched
    history = client.get(f"/admin/alerts/destination/{subscription.pk}/history/").content.decode()
    entries = " ".join(str(e.change_message) + e.object_repr for e in LogEntry.objects.all())
    assert "label" in LogEntry.objects.get().get_change_message().lower()
    _assert_no_vault_plaintext(*pages, history, entries)


def test_the_api_shows_a_signing_secret_masked_after_it_was_created(premium_a, alice, client):
    headers = key_headers(premium_a, alice)
    created = client.post("/api/v1/webhook-endpoints/", {"url": "https://hooks.example.com/beacon"},
                          content_type="application/json", headers=headers).json()
    endpoint = Destination.objects.get()

    listed = client.get("/api/v1/webhook-endpoints/", headers=headers).content.decode()
    read = client.get(f"/api/v1/webhook-endpoints/{endpoint.pk}/", headers=headers).json()

    assert created["secret"] == endpoint.secret  # once, to the member who made it
    assert read["secret"] == f"whsec_…{endpoint.secret[-4:]}" and endpoint.secret[6:-4] not in listed
