"""Telegram, against the Bot API's recorded answers (only the transport replaced): messages through
sendMessage in Telegram's HTML, 429's retry_after waited out, a blocked bot (403) turns the link off and
tells the member; chats are linked by a one-time code sent from the chat to the bot, by webhook (its
secret-token header checked) or by polling getUpdates."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.destinations import telegram_link_code_create
from alerts.models import Channel, DeliveryStatus, Destination, Notification, TelegramLinkCode
from alerts.telegram_linking import telegram_updates_poll
from config.outbound import TransportError
from tests.alerts.conftest import alert_event, destination
from tests.alerts.recorded_http import recorded_answer

WEBHOOK = "/alerts/telegram/webhook/"


@pytest.fixture
def linked_chat(premium_a, alice, telegram_bot):
    return destination(tenant=premium_a, member=alice, channel=Channel.TELEGRAM, chat_id=424242)


def _send(tenant, member):
    [delivery] = deliveries_create_for_event(event=alert_event(tenant=tenant, member=member, channels=["telegram"]))
    return delivery_attempt(delivery_id=delivery.pk, now=timezone.now())


def test_an_alert_is_sent_with_sendmessage_in_telegrams_html(linked_chat, premium_a, alice, recorded, telegram_bot):
    recorded.answer("telegram_sendMessage_ok.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.SENT
    [request] = recorded.requests
    assert request.url == f"https://api.telegram.org/bot{telegram_bot.TELEGRAM_BOT_TOKEN}/sendMessage"
    sent = recorded.sent_json()
    assert sent["chat_id"] == 424242 and sent["parse_mode"] == "HTML"
    assert sent["text"].startswith("<b>EURUSD short on H1</b>") and "Stop loss: <code>1.08710</code>" in sent["text"]
    assert telegram_bot.TELEGRAM_BOT_TOKEN not in delivery.log.get().request


def test_telegrams_429_is_retried_after_its_retry_after(linked_chat, premium_a, alice, recorded):
    recorded.answer("telegram_sendMessage_429_retry_after.json")
    before = timezone.now()

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.RETRYING and "retry after 35" in delivery.last_error
    assert timedelta(seconds=35) <= delivery.next_attempt_at - before < timedelta(seconds=40)


def test_a_telegram_server_error_is_retried(linked_chat, premium_a, alice, recorded):
    recorded.answer("telegram_sendMessage_502.json")

    assert _send(premium_a, alice).status == DeliveryStatus.RETRYING


def test_a_blocked_bot_turns_the_link_off_and_tells_the_member(linked_chat, premium_a, alice, recorded,
                                                              django_capture_on_commit_callbacks):
    recorded.answer("telegram_sendMessage_403_blocked.json")

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.FAILED and "blocked by the user" in delivery.last_error
    linked_chat.refresh_from_db()
    assert not linked_chat.is_enabled and "blocked" in linked_chat.disabled_reason
    [email] = mail.outbox
    assert email.to == ["alice@example.com"] and "Telegram" in email.subject
    assert Notification.objects.get(member=alice).title == "Your Telegram alerts are turned off"
    assert deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["telegram"])) == []


def test_a_chat_telegram_does_not_know_fails_without_retrying(linked_chat, premium_a, alice, recorded):
    recorded.answer("telegram_sendMessage_400_chat_not_found.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.FAILED and "chat not found" in delivery.last_error


# --- linking a chat ----------------------------------------------------------------------------------

def _update(code: str, *, chat_id: int = 424242) -> dict:
    update = json.loads(recorded_answer("telegram_getUpdates_link_code.json")[2])["result"][0]
    update["message"]["text"] = f"/start {code}"
    update["message"]["chat"]["id"] = chat_id
    return update


def _post_update(client, update, secret):
    return client.post(WEBHOOK, json.dumps(update), content_type="application/json",
                       headers={"X-Telegram-Bot-Api-Secret-Token": secret})


def test_a_code_sent_to_the_bot_links_the_chat_it_came_from_to_the_member(client, premium_a, alice, telegram_bot):
    code = telegram_link_code_create(tenant=premium_a, member=alice)

    response = _post_update(client, _update(code), telegram_bot.TELEGRAM_WEBHOOK_SECRET)

    linked = Destination.objects.get(channel=Channel.TELEGRAM)
    assert (linked.tenant, linked.member, linked.chat_id, linked.label) == (premium_a, alice, 424242, "alice_trades")
    reply = response.json()
    assert reply["method"] == "sendMessage" and reply["chat_id"] == 424242 and "Alpha Capital" in reply["text"]


def test_a_code_links_one_chat_once(client, premium_a, alice, telegram_bot):
    code = telegram_link_code_create(tenant=premium_a, member=alice)
    _post_update(client, _update(code), telegram_bot.TELEGRAM_WEBHOOK_SECRET)

    again = _post_update(client, _update(code, chat_id=777), telegram_bot.TELEGRAM_WEBHOOK_SECRET)

    assert "not valid" in again.json()["text"]
    assert list(Destination.objects.values_list("chat_id", flat=True)) == [424242]


def test_an_expired_or_replaced_code_links_nothing(client, premium_a, alice, telegram_bot):
    old = telegram_link_code_create(tenant=premium_a, member=alice, now=timezone.now() - timedelta(minutes=20))
    replaced = telegram_link_code_create(tenant=premium_a, member=alice)
    telegram_link_code_create(tenant=premium_a, member=alice)

    for code in (old, replaced):
        assert "not valid" in _post_update(client, _update(code), telegram_bot.TELEGRAM_WEBHOOK_SECRET).json()["text"]
    assert not Destination.objects.exists()


def test_the_code_is_stored_only_as_its_hash(premium_a, alice, telegram_bot):
    code = telegram_link_code_create(tenant=premium_a, member=alice)

    assert TelegramLinkCode.objects.get().code_hash == hashlib.sha256(code.encode()).hexdigest()


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_an_update_without_telegrams_secret_token_is_refused_and_links_nothing(client, premium_a, alice,
                                                                               telegram_bot, secret):
    code = telegram_link_code_create(tenant=premium_a, member=alice)

    response = _post_update(client, _update(code), secret)

    assert response.status_code == 403 and not Destination.objects.exists()
    assert TelegramLinkCode.objects.get().used_at is None


def test_the_webhook_is_not_there_without_a_configured_secret(client, db, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    assert client.post(WEBHOOK, "{}", content_type="application/json").status_code == 404


def test_polling_getupdates_links_the_chat_replies_and_moves_the_offset_on(premium_a, alice, telegram_bot, recorded):
    TelegramLinkCode.objects.create(tenant=premium_a, member=alice, code_hash=hashlib.sha256(b"K7Q2M9XD").hexdigest(),
                                    expires_at=timezone.now() + timedelta(minutes=5))
    recorded.answer("telegram_getUpdates_link_code.json", "telegram_sendMessage_ok.json",
                    "telegram_getUpdates_empty.json")

    assert telegram_updates_poll() == 2
    assert telegram_updates_poll() == 0

    assert Destination.objects.get(channel=Channel.TELEGRAM).chat_id == 424242
    methods = [r.url.rsplit("/", 1)[1] for r in recorded.requests]
    assert methods == ["getUpdates", "sendMessage", "getUpdates"]
    assert json.loads(recorded.requests[0].body)["offset"] is None
    assert json.loads(recorded.requests[2].body)["offset"] == 918273647


def test_polling_while_a_webhook_is_set_fails_with_telegrams_reason(premium_a, telegram_bot, recorded):
    recorded.answer("telegram_getUpdates_409_webhook_active.json")

    with pytest.raises(TransportError, match="webhook is active") as error:
        telegram_updates_poll()

    assert error.value.permanent


def test_the_bot_explains_itself_in_a_private_chat_and_keeps_quiet_in_a_group(client, db, telegram_bot):
    private = _update("hello")
    private["message"]["text"] = "hello"
    group = _update("hello", chat_id=-100123)
    group["message"]["text"] = "nice trade everyone"
    group["message"]["chat"]["type"] = "supergroup"

    answer = _post_update(client, private, telegram_bot.TELEGRAM_WEBHOOK_SECRET)
    quiet = _post_update(client, group, telegram_bot.TELEGRAM_WEBHOOK_SECRET)

    assert "Link a Telegram chat" in answer.json()["text"]
    assert quiet.status_code == 200 and quiet.content == b""
