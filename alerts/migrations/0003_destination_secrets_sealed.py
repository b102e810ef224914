"""Destinations' secrets sealed by the vault: signing secrets, push auth secrets and Discord webhook URLs
(whose `url` keeps the URL without its token). Existing rows are sealed here, each under its tenant's
data key (made here when the tenant has none), with the same associated data as vault.services uses."""

from django.db import migrations, models

import vault.fields
from alerts.channels.discord import discord_shown_url
from vault import crypto
from vault.services import master_keys


def _data_key(TenantKey, tenant_id: int, keys: dict) -> tuple[int, bytes]:
    if tenant_id not in keys:
        key = TenantKey.objects.filter(tenant_id=tenant_id).order_by("-version").first()
        if key is None:
            master = master_keys()[0]
            data_key = crypto.data_key_new()
            TenantKey.objects.create(tenant_id=tenant_id, version=1, master_key_id=master.id,
                                     wrapped=crypto.data_key_wrap(master=master, data_key=data_key,
                                                                  tenant_id=tenant_id, version=1))
            keys[tenant_id] = (1, data_key)
        else:
            master = next(m for m in master_keys() if m.id == key.master_key_id)
            keys[tenant_id] = (key.version, crypto.data_key_unwrap(master=master, wrapped=bytes(key.wrapped),
                                                                   tenant_id=tenant_id, version=key.version))
    return keys[tenant_id]


def seal_existing(apps, schema_editor):
    Destination = apps.get_model("alerts", "Destination")
    TenantKey = apps.get_model("vault", "TenantKey")
    keys: dict = {}
    for destination in Destination.objects.order_by("pk").iterator():
        plaintexts = {"secret_encrypted": destination.secret, "push_auth_encrypted": destination.push_auth,
                      "discord_url_encrypted": destination.url if destination.channel == "discord" else ""}
        if not any(plaintexts.values()):
            continue
        version, data_key = _data_key(TenantKey, destination.tenant_id, keys)
        for column, plaintext in plaintexts.items():
            if plaintext:
                setattr(destination, column, crypto.seal(data_key=data_key, version=version, plaintext=plaintext,
                                                         tenant_id=destination.tenant_id,
                                                         field=f"alerts.destination.{column}"))
        if destination.channel == "discord":
            destination.url = discord_shown_url(destination.url)
        destination.save(update_fields=["url", *plaintexts])


def open_existing(apps, schema_editor):
    Destination = apps.get_model("alerts", "Destination")
    TenantKey = apps.get_model("vault", "TenantKey")
    for destination in Destination.objects.order_by("pk").iterator():
        opened = {}
        for column, target in (("secret_encrypted", "secret"), ("push_auth_encrypted", "push_auth"),
                               ("discord_url_encrypted", "url")):
            sealed = getattr(destination, column)
            if sealed:
                key = TenantKey.objects.get(tenant_id=destination.tenant_id, version=crypto.sealed_version(sealed))
                master = next(m for m in master_keys() if m.id == key.master_key_id)
                data_key = crypto.data_key_unwrap(master=master, wrapped=bytes(key.wrapped),
                                                  tenant_id=key.tenant_id, version=key.version)
                opened[target] = crypto.unseal(data_key=data_key, sealed=sealed, tenant_id=destination.tenant_id,
                                               field=f"alerts.destination.{column}")
        if opened:
            Destination.objects.filter(pk=destination.pk).update(**opened)


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0002_hot_rows_without_key_checks'),
        ('vault', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='destination',
            name='discord_url_encrypted',
            field=vault.fields.SealedTextField(blank=True, help_text="A Discord webhook's URL with its token, sealed."),
        ),
        migrations.AddField(
            model_name='destination',
            name='push_auth_encrypted',
            field=vault.fields.SealedTextField(blank=True, help_text="A push subscription's auth secret, sealed."),
        ),
        migrations.AddField(
            model_name='destination',
            name='secret_encrypted',
            field=vault.fields.SealedTextField(blank=True, help_text="A webhook endpoint's signing secret, sealed."),
        ),
        migrations.RunPython(seal_existing, open_existing),
        migrations.RemoveField(
            model_name='destination',
            name='push_auth',
        ),
        migrations.RemoveField(
            model_name='destination',
            name='secret',
        ),
        migrations.AlterField(
            model_name='destination',
            name='push_p256dh',
            field=models.CharField(blank=True, help_text="The browser's public key (not a secret).", max_length=120),
        ),
        migrations.AlterField(
            model_name='destination',
            name='url',
            field=models.URLField(blank=True, help_text="Webhook URL, push endpoint, or a Discord webhook's URL without its token (the whole one is sealed).", max_length=2000),
        ),
    ]
