"""Telegram updates: a member links a chat by sending the bot, from that chat, the one-time code the
website gave them (never by typing a chat id).

Updates reach us at the bot's webhook (alerts.views.telegram_webhook, verified by Telegram's
X-Telegram-Bot-Api-Secret-Token header) or, with no public URL, by polling getUpdates
(`telegram_updates_poll`, on Beat when TELEGRAM_UPDATES_POLLING). Both hand each update to
`telegram_update_handle`, which links the chat and says what to answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from alerts.channels.telegram import TelegramChannel
from alerts.destinations import telegram_chat_link

CODE_MESSAGE = re.compile(r"^(?:/start(?:@\w+)?\s+)?([A-Za-z0-9]{8})$")
POLL_OFFSET_KEY = "beacon:alerts:telegram:offset"


@dataclass(frozen=True)
class TelegramReply:
    chat_id: int
    text: str

    def as_method(self) -> dict:
        """The reply as a Bot API method call (a webhook may answer with one)."""
        return {"method": "sendMessage", "chat_id": self.chat_id, "text": self.text}


def telegram_update_handle(*, update: object, now: datetime | None = None) -> TelegramReply | None:
    """Link the chat if the update is a message carrying a valid code; the reply to send, or None for an
    update that is not a text message, or a group's message not meant for the bot."""
    message = update.get("message") if isinstance(update, dict) else None
    chat = message.get("chat") if isinstance(message, dict) else None
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int) or not isinstance(text, str):
        return None
    chat_id = chat["id"]
    match = CODE_MESSAGE.match(text.strip())
    if match is None:
        if chat.get("type") != "private" and not text.startswith("/start"):
            return None  # the chatter of a group the bot is in
        return TelegramReply(chat_id, "Hello! To get your Beacon alerts here, open Alert channels on the Beacon "
                                      "website, choose \"Link a Telegram chat\" and send me the code it shows.")
    title = str(chat.get("title") or chat.get("username") or chat.get("first_name") or "")
    destination = telegram_chat_link(code=match[1], chat_id=chat_id, chat_title=title, now=now)
    if destination is None:
        return TelegramReply(chat_id, "That code is not valid: it may have expired or been used. Make a new one "
                                      "under Alert channels on the Beacon website.")
    return TelegramReply(chat_id, f"Linked. Your Beacon alerts from {destination.tenant.name} will come to this "
                                  "chat. To stop them, unlink it under Alert channels, or block the bot.")


def telegram_updates_poll(*, channel: TelegramChannel | None = None) -> int:
    """Fetch new updates with getUpdates (from the offset after the last one handled), handle each and send
    its reply; returns how many were handled. Raises TransportError as the Bot API call does."""
    channel = channel or TelegramChannel()
    offset = cache.get(POLL_OFFSET_KEY)
    updates = channel.call("getUpdates", {"offset": offset, "timeout": 0, "allowed_updates": ["message"]})
    handled = 0
    for update in updates if isinstance(updates, list) else []:
        reply = telegram_update_handle(update=update)
        if reply is not None:
            channel.call("sendMessage", {"chat_id": reply.chat_id, "text": reply.text})
        if isinstance(update, dict) and isinstance(update.get("update_id"), int):
            cache.set(POLL_OFFSET_KEY, update["update_id"] + 1, timeout=None)
        handled += 1
    return handled
