"""Discord, against Execute Webhook's recorded answers (only the transport replaced): the alert as an
embed with the signal's levels, Discord's rate limits waited out, a deleted webhook turned off; only a
Discord channel webhook URL can be added."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.deliveries import deliveries_create_for_event, delivery_attempt
from alerts.destinations import discord_webhook_add
from alerts.models import Channel, DeliveryStatus, Destination
from config.errors import InvalidInput
from tests.alerts.conftest import alert_event, destination

TOKEN = "Xr4nD0m-T0k3n_" + "a" * 54
URL = f"https://discord.com/api/webhooks/1234567890123456789/{TOKEN}"


@pytest.fixture
def discord(premium_a, alice):
    return destination(tenant=premium_a, member=alice, channel=Channel.DISCORD, url=URL, label="#signals")


def _send(tenant, member, **fields):
    event = alert_event(tenant=tenant, member=member, channels=["discord"], **fields)
    [delivery] = deliveries_create_for_event(event=event)
    return delivery_attempt(delivery_id=delivery.pk, now=timezone.now())


def test_an_alert_is_an_embed_with_the_signals_levels_coloured_by_its_direction(discord, premium_a, alice, recorded):
    recorded.answer("discord_execute_webhook_ok.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.SENT
    assert recorded.requests[0].url == URL + "?wait=true"
    body = recorded.sent_json()
    [embed] = body["embeds"]
    assert embed["title"] == "EURUSD short on H1" and embed["color"] == 0xC62828
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "Entry": "1.08420", "Stop loss": "1.08710", "Target 1": "1.08130", "Target 2": "1.07840", "Target 3": "1.07550",
        "Confidence": "71%"}
    assert body["allowed_mentions"] == {"parse": []}  # an alert's text cannot ping @everyone
    assert TOKEN not in delivery.log.get().request


def test_discords_429_is_retried_after_the_retry_after_of_its_body(discord, premium_a, alice, recorded):
    recorded.answer("discord_execute_webhook_429_rate_limited.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.RETRYING
    waited = delivery.next_attempt_at - delivery.log.get().started_at  # from the attempt, however slow the host
    assert timedelta(seconds=1.337) <= waited < timedelta(seconds=3)


def test_a_429_without_a_body_waits_for_x_ratelimit_reset_after(discord, premium_a, alice, recorded):
    recorded.answer("discord_execute_webhook_429_no_body.json")

    delivery = _send(premium_a, alice)

    assert timedelta(seconds=4.5) <= delivery.next_attempt_at - delivery.log.get().started_at < timedelta(seconds=6)


def test_a_deleted_webhook_is_turned_off(discord, premium_a, alice, recorded):
    recorded.answer("discord_execute_webhook_404_unknown_webhook.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.FAILED
    discord.refresh_from_db()
    assert not discord.is_enabled and "no longer exists" in discord.disabled_reason


def test_a_body_discord_refuses_is_not_retried(discord, premium_a, alice, recorded):
    recorded.answer("discord_execute_webhook_400_invalid_form_body.json")

    delivery = _send(premium_a, alice)

    assert delivery.status == DeliveryStatus.FAILED and "Invalid Form Body" in delivery.last_error
    assert discord.is_enabled


@pytest.mark.parametrize("url", [
    "https://discord.com/api/webhooks/1234567890123456789",
    "https://discord.com/api/webhooks/123/" + "a" * 68,
    "http://discord.com/api/webhooks/1234567890123456789/" + "a" * 68,
    "https://discord.com.evil.example/api/webhooks/1234567890123456789/" + "a" * 68,
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://discord.com/api/webhooks/1234567890123456789/" + "a" * 68 + "/slack",
])
def test_only_a_discord_channel_webhook_url_can_be_added(premium_a, alice, url):
    with pytest.raises(InvalidInput, match="webhook URL"):
        discord_webhook_add(tenant=premium_a, member=alice, url=url)

    assert not Destination.objects.exists()


@pytest.mark.parametrize("url", [URL, URL.replace("discord.com", "discordapp.com"),
                                 URL.replace("/api/", "/api/v10/"), URL.replace("discord.com", "canary.discord.com")])
def test_a_discord_webhook_url_is_added_with_its_token_left_out_of_its_label(premium_a, alice, url):
    added = discord_webhook_add(tenant=premium_a, member=alice, url=url)

    assert added.discord_url == url and TOKEN not in added.label and TOKEN not in added.url
