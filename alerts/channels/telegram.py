"""Telegram: the alert to a linked chat through the Bot API's sendMessage, in Telegram's HTML.

The Bot API answers `{"ok": false, "error_code", "description", "parameters"}` on errors: 429 with
`parameters.retry_after` is waited out; 403 (the member blocked the bot, or left the chat) means the
chat is gone for us: the link is disabled and the member told.
"""

from __future__ import annotations

import json
from html import escape

from django.conf import settings

from alerts.channels.base import Channel, TargetGone
from alerts.channels.message import AlertMessage, signal_levels
from alerts.models import Delivery
from config.outbound import TransportError, status_error


def telegram_text(message: AlertMessage) -> str:
    """The alert in Telegram's HTML: the title in bold, the text, each level, the link."""
    lines = [f"<b>{escape(message.title)}</b>"]
    if message.text:
        lines.append(escape(message.text))
    levels = signal_levels(message.payload)
    if levels:
        lines.append("\n".join(f"{escape(label)}: <code>{escape(value)}</code>" for label, value in levels))
    lines.append(f'<a href="{escape(message.url)}">Open on Beacon</a>')
    return "\n\n".join(lines)[:4096]


class TelegramChannel(Channel):
    kind = "telegram"

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        self.call("sendMessage", {"chat_id": self.destination(delivery).chat_id, "text": telegram_text(message),
                                  "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}})

    def call(self, method: str, payload: dict) -> object:
        """One Bot API call; its `result`. The token is in the URL, so the log shows `bot…` instead."""
        if not settings.TELEGRAM_BOT_TOKEN:
            raise TransportError("Telegram is not configured: set TELEGRAM_BOT_TOKEN.", permanent=True)
        base = settings.TELEGRAM_API_BASE.rstrip("/")
        shown = f"{base}/bot…/{method}"
        response = self.post(f"{base}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}", body=json.dumps(payload).encode(),
                             headers={"Content-Type": "application/json"}, shown_url=shown)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        description = str(answer.get("description", ""))[:200]
        if response.status_code == 403:
            raise TargetGone(f"Telegram refused the chat: {description or 'HTTP 403'}.")
        parameters = answer.get("parameters")
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        error = status_error(response, url=shown,
                             retry_after=float(retry_after) if isinstance(retry_after, int | float) else None)
        if error is not None:
            raise TransportError(f"{error.message}: {description}" if description else error.message,
                                 permanent=error.permanent, retry_after=error.retry_after)
        if answer.get("ok") is not True:
            raise TransportError(f"Telegram answered without ok: {description or response.text[:200]}",
                                 permanent=True)
        return answer.get("result")
