"""The plan's `alert_channels` decides which channels a tenant's alerts use: data, never a tier name."""

import pytest

from alerts.deliveries import deliveries_create_for_event
from alerts.destinations import discord_webhook_add, telegram_link_code_create, webhook_endpoint_create
from alerts.models import Channel, Delivery, Destination, TelegramLinkCode
from billing.models import Plan
from config.errors import NotEntitled
from tests.alerts.conftest import alert_event, destination, subscribe

EVERY_CHANNEL = ["in_app", "email", "push", "webhook", "telegram", "discord"]


def _with_a_destination_of_each_kind(tenant, member):
    for channel in (Channel.PUSH, Channel.WEBHOOK, Channel.TELEGRAM, Channel.DISCORD):
        destination(tenant=tenant, member=member, channel=channel,
                    **({"url": "https://push.example.com/sub/1"} if channel == Channel.PUSH else {}))


@pytest.mark.parametrize(("plan", "channels"), [
    (None, ["email", "in_app"]),
    ("pro", ["email", "in_app", "push"]),
    ("premium", sorted(EVERY_CHANNEL)),
])
def test_an_event_is_delivered_on_the_channels_the_rule_asks_for_that_the_plan_allows(tenant_a, alice, plan,
                                                                                      channels):
    if plan:
        subscribe(tenant_a, plan)
    _with_a_destination_of_each_kind(tenant_a, alice)

    deliveries = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=EVERY_CHANNEL))

    assert sorted(d.channel for d in deliveries) == channels


def test_the_channels_a_plan_allows_are_its_data_as_staff_edit_it(tenant_a, alice):
    Plan.objects.filter(is_default=True).update(alert_channels=["in_app", "discord"])
    _with_a_destination_of_each_kind(tenant_a, alice)

    deliveries = deliveries_create_for_event(event=alert_event(tenant=tenant_a, member=alice, channels=EVERY_CHANNEL))

    assert sorted(d.channel for d in deliveries) == ["discord", "in_app"]


def test_only_the_channels_the_rule_asks_for_are_used(premium_a, alice):
    _with_a_destination_of_each_kind(premium_a, alice)

    deliveries = deliveries_create_for_event(event=alert_event(tenant=premium_a, member=alice, channels=["telegram"]))

    assert [d.channel for d in deliveries] == ["telegram"]


def test_a_member_who_left_the_team_gets_no_deliveries(premium_a, alice, charlie):
    event = alert_event(tenant=premium_a, member=charlie, channels=EVERY_CHANNEL)

    assert deliveries_create_for_event(event=event) == []
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(("add", "channel"), [
    (lambda t, m: webhook_endpoint_create(tenant=t, member=m, url="https://hooks.example.com/x"), "webhook"),
    (lambda t, m: discord_webhook_add(tenant=t, member=m, url=destination_url()), "Discord"),
    (lambda t, m: telegram_link_code_create(tenant=t, member=m), "Telegram"),
])
def test_a_destination_the_plan_does_not_include_cannot_be_added(tenant_a, alice, add, channel):
    subscribe(tenant_a, "pro")

    with pytest.raises(NotEntitled, match=f"Your Pro plan does not include {channel} alerts"):
        add(tenant_a, alice)

    assert not Destination.objects.exists() and not TelegramLinkCode.objects.exists()


def destination_url() -> str:
    return "https://discord.com/api/webhooks/1234567890123456789/" + "T" * 68
