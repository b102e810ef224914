"""Key rotation (`manage.py vault_rotate`, docs/vault.md): re-wrap every data key under the newest master
key and, on request, re-seal every secret under a new data key per tenant.

Both steps are idempotent and resumable: a data key is re-wrapped by a conditional UPDATE on the master
key it was under, and a tenant is re-keyed in one transaction that ends by deleting its older data keys,
so a run stopped anywhere is finished by running it again (with the same `since` for new data keys).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from vault import crypto
from vault.fields import SealedTextField
from vault.models import TenantKey
from vault.services import master_key, master_keys, sealed_field_name, secret_open, secret_seal, tenant_key_create


@dataclass
class RotationReport:
    rewrapped: int = 0  # data keys moved under the newest master key
    tenants_rekeyed: int = 0  # tenants given a new data key
    resealed: int = 0  # secrets sealed again under their tenant's new data key
    keys_removed: int = 0  # older data keys deleted once nothing sealed with them was left


def sealed_columns() -> Iterator[tuple[type[models.Model], str]]:
    """(model, field name) of every SealedTextField in the project."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, SealedTextField):
                yield model, field.name


def data_keys_rewrap() -> int:
    """Wrap every data key that is under an older master key under the newest one; how many were."""
    newest = master_keys()[0]
    moved = 0
    for key in TenantKey.objects.exclude(master_key_id=newest.id).order_by("pk").iterator():
        data_key = crypto.data_key_unwrap(master=master_key(key.master_key_id), wrapped=bytes(key.wrapped),
                                          tenant_id=key.tenant_id, version=key.version)
        wrapped = crypto.data_key_wrap(master=newest, data_key=data_key, tenant_id=key.tenant_id,
                                       version=key.version)
        moved += TenantKey.objects.filter(pk=key.pk, master_key_id=key.master_key_id).update(
            wrapped=wrapped, master_key_id=newest.id)
    return moved


def tenant_rekey(*, tenant_id: int, since: datetime, report: RotationReport) -> None:
    """Give the tenant a data key made at or after `since` (unless it has one), re-seal its secrets under it
    and delete its older data keys, in one transaction."""
    with transaction.atomic():
        keys = list(TenantKey.objects.select_for_update().filter(tenant_id=tenant_id).order_by("-version"))
        if not keys:
            return
        newest = keys[0]
        if newest.created_at < since:
            newest = tenant_key_create(tenant_id=tenant_id, version=newest.version + 1)
            report.tenants_rekeyed += 1
        for model, field_name in sealed_columns():
            field = sealed_field_name(model, field_name)
            rows = (model._default_manager.filter(tenant_id=tenant_id).exclude(**{field_name: ""})
                    .values_list("pk", field_name))
            for pk, sealed in rows:
                if crypto.sealed_version(sealed) == newest.version:
                    continue
                plaintext = secret_open(tenant_id=tenant_id, field=field, sealed=sealed)
                report.resealed += model._default_manager.filter(pk=pk, **{field_name: sealed}).update(
                    **{field_name: secret_seal(tenant_id=tenant_id, field=field, plaintext=plaintext)})
        report.keys_removed += TenantKey.objects.filter(tenant_id=tenant_id, version__lt=newest.version).delete()[0]


def vault_rotate(*, new_data_keys: bool = False, since: datetime | None = None) -> RotationReport:
    """Re-wrap every data key under the newest master key; with `new_data_keys`, also give every tenant whose
    newest data key is older than `since` (default: now) a new one and re-seal its secrets under it."""
    report = RotationReport(rewrapped=data_keys_rewrap())
    if new_data_keys:
        since = since or timezone.now()
        tenant_ids = TenantKey.objects.order_by("tenant_id").values_list("tenant_id", flat=True).distinct()
        for tenant_id in list(tenant_ids):
            tenant_rekey(tenant_id=tenant_id, since=since, report=report)
    return report
