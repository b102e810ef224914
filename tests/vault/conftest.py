"""Fixtures of the vault tests: master keys of our own, and destinations holding each kind of secret."""

import pytest

from alerts.models import Channel, Destination
from vault.crypto import master_key_new_entry
from vault.services import data_keys_forget

K1 = master_key_new_entry("k1")
K2 = master_key_new_entry("k2")
SIGNING_SECRET = "whsec_" + "5e" * 32
PUSH_AUTH = "c2VjcmV0LWF1dGgtMTY"
DISCORD_URL = "https://discord.com/api/webhooks/1234567890123456789/" + "Tk" * 34


@pytest.fixture
def master_keys(settings):
    """Only K1 configured; a test changes settings.VAULT_MASTER_KEYS to rotate. No unwrapped key is kept
    from another test (or from before a change of keys)."""
    settings.VAULT_MASTER_KEYS = [K1]
    data_keys_forget()
    yield settings
    data_keys_forget()


def secrets_of(tenant, member) -> list[Destination]:
    """A webhook endpoint, a push subscription and a Discord webhook of the member, each with its secret."""
    return [
        Destination.objects.create(tenant=tenant, member=member, channel=Channel.WEBHOOK,
                                   url="https://hooks.example.com/a", secret=SIGNING_SECRET),
        Destination.objects.create(tenant=tenant, member=member, channel=Channel.PUSH, url="https://push.example.com/x",
                                   push_p256dh="BPublicKey", push_auth=PUSH_AUTH),
        Destination.objects.create(tenant=tenant, member=member, channel=Channel.DISCORD,
                                   url="https://discord.com/api/webhooks/1234567890123456789/…",
                                   discord_url=DISCORD_URL),
    ]


def plaintexts(destinations) -> list[tuple[str, str, str]]:
    """Each destination's secrets, read afresh from the database (nothing opened before)."""
    return [(d.secret, d.push_auth, d.discord_url) for d in Destination.objects.filter(
        pk__in=[d.pk for d in destinations]).order_by("pk")]


EXPECTED = [(SIGNING_SECRET, "", ""), ("", PUSH_AUTH, ""), ("", "", DISCORD_URL)]
