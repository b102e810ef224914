"""Discord: the alert as an embed (title, text, the signal's levels as fields) to a channel webhook.

Discord answers a rate limit with 429, `retry_after` (seconds, fractional) in the body and
`X-RateLimit-Reset-After` / `Retry-After` headers: waited out. 404 (Unknown Webhook) or 401 (invalid
token) means the webhook was deleted: the destination is disabled.
"""

from __future__ import annotations

import json
import re

from alerts.channels.base import Channel, TargetGone
from alerts.channels.message import AlertMessage, signal_levels
from alerts.models import Delivery
from config.outbound import status_error

WEBHOOK_URL = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v\d{1,2}/)?webhooks/(?P<id>\d{17,20})/[\w-]{60,100}$")
COLOURS = {"long": 0x2E7D32, "buy": 0x2E7D32, "short": 0xC62828, "sell": 0xC62828}
DEFAULT_COLOUR = 0x1363DF


def discord_url_refusal(url: str) -> str | None:
    """Why `url` is not a Discord channel webhook URL, or None."""
    if WEBHOOK_URL.match(url):
        return None
    return ("Paste the channel's webhook URL from Discord (Edit Channel → Integrations → Webhooks → Copy "
            "Webhook URL): https://discord.com/api/webhooks/<id>/<token>.")


def discord_shown_url(url: str) -> str:
    """The webhook URL with its token left out, for the log and the page."""
    match = WEBHOOK_URL.match(url)
    return f"https://discord.com/api/webhooks/{match['id']}/…" if match else "https://discord.com/api/webhooks/…"


def discord_payload(message: AlertMessage) -> dict:
    """An execute-webhook body: one embed coloured by the signal's direction; no mentions are parsed."""
    embed = {
        "title": message.title[:256], "description": message.text[:4096], "url": message.url,
        "color": COLOURS.get(message.direction, DEFAULT_COLOUR), "timestamp": message.created_at.isoformat(),
        "fields": [{"name": label, "value": value[:1024], "inline": True}
                   for label, value in signal_levels(message.payload)][:25],
        "footer": {"text": f"Beacon · {message.tenant_name}"[:2048]},
    }
    return {"username": "Beacon", "embeds": [embed], "allowed_mentions": {"parse": []}}


class DiscordChannel(Channel):
    kind = "discord"

    def send(self, *, delivery: Delivery, message: AlertMessage) -> None:
        destination = self.destination(delivery)
        url, shown = destination.discord_url, destination.url
        response = self.post(f"{url}?wait=true", body=json.dumps(discord_payload(message)).encode(),
                             headers={"Content-Type": "application/json"}, shown_url=shown)
        if response.status_code in (401, 404):
            raise TargetGone(f"Discord says the webhook no longer exists (HTTP {response.status_code}).")
        error = status_error(response, url=shown, retry_after=_rate_limit_wait(response))
        if error is not None:
            raise error


def _rate_limit_wait(response) -> float | None:
    """Seconds Discord asks to wait on a 429: the body's retry_after, else X-RateLimit-Reset-After,
    else Retry-After."""
    if response.status_code != 429:
        return None
    try:
        body = response.json()
    except ValueError:
        body = {}
    candidates = [body.get("retry_after") if isinstance(body, dict) else None,
                  response.headers.get("X-RateLimit-Reset-After"), response.headers.get("Retry-After")]
    for value in candidates:
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None

