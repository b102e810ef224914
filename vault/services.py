"""The vault: seal and open tenants' secrets, each tenant under its own data key (docs/vault.md).

`sealed_write(instance, "secret_encrypted", plaintext)` and `sealed_read(instance, "secret_encrypted")`
are what models with a SealedTextField use; the column name and the row's tenant are bound into the
ciphertext. An unwrapped data key is kept in this process for DATA_KEY_SECONDS (a delivery opens its
destination's secret with no query and no unwrap), and a plaintext on its instance, so that a batch opens
each destination once; secrets are sealed only when they are saved.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, models, transaction

from vault import crypto
from vault.crypto import MasterKey, VaultError
from vault.models import TenantKey

DATA_KEYS_KEPT = 10_000  # unwrapped data keys kept per process (32 bytes each)
# How long a process keeps an unwrapped data key: after a master key is withdrawn (or a tenant deleted),
# running processes stop opening secrets with it within this time.
DATA_KEY_SECONDS = 300.0

_data_keys: dict[tuple[int, int], tuple[bytes, float]] = {}  # (tenant, version) -> (data key, kept until)
_data_keys_lock = threading.Lock()


def master_keys() -> list[MasterKey]:
    """The master keys, newest first: VAULT_MASTER_KEYS, or, when it is empty (development and tests only:
    production settings refuse to start without it), one derived from SECRET_KEY."""
    return _master_keys(tuple(settings.VAULT_MASTER_KEYS), settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _master_keys(entries: tuple[str, ...], secret_key: str) -> list[MasterKey]:
    return crypto.master_keys_parse(list(entries)) if entries else [crypto.master_key_derive(secret_key)]


def master_key(key_id: str) -> MasterKey:
    """The configured master key of that id; VaultError when it is no longer configured."""
    for key in master_keys():
        if key.id == key_id:
            return key
    raise VaultError(f"The master key {key_id!r} is not in VAULT_MASTER_KEYS: keep it there until "
                     f"`manage.py vault_rotate` has re-wrapped every data key under the newest one.")


def data_keys_forget() -> None:
    """Drop the unwrapped data keys this process keeps (tests; a master key withdrawn in a hurry)."""
    with _data_keys_lock:
        _data_keys.clear()


def _kept(tenant_id: int, version: int) -> bytes | None:
    kept = _data_keys.get((tenant_id, version))
    return kept[0] if kept is not None and kept[1] > time.monotonic() else None


def _unwrapped(key: TenantKey) -> bytes:
    data_key = crypto.data_key_unwrap(master=master_key(key.master_key_id), wrapped=bytes(key.wrapped),
                                      tenant_id=key.tenant_id, version=key.version)
    with _data_keys_lock:
        if len(_data_keys) >= DATA_KEYS_KEPT:
            _data_keys.clear()
        _data_keys[(key.tenant_id, key.version)] = (data_key, time.monotonic() + DATA_KEY_SECONDS)
    return data_key


def tenant_key_create(*, tenant_id: int, version: int) -> TenantKey:
    """A new data key of that version for the tenant, wrapped under the newest master key."""
    master = master_keys()[0]
    wrapped = crypto.data_key_wrap(master=master, data_key=crypto.data_key_new(), tenant_id=tenant_id,
                                   version=version)
    return TenantKey.objects.create(tenant_id=tenant_id, version=version, wrapped=wrapped, master_key_id=master.id)


def tenant_key_current(*, tenant_id: int) -> tuple[int, bytes]:
    """(version, data key) of the tenant's newest data key, made on first use."""
    key = TenantKey.objects.filter(tenant_id=tenant_id).order_by("-version").first()
    if key is None:
        try:
            with transaction.atomic():
                key = tenant_key_create(tenant_id=tenant_id, version=1)
        except IntegrityError:  # made at the same moment by another process: use theirs
            key = TenantKey.objects.get(tenant_id=tenant_id, version=1)
    return key.version, _unwrapped(key)


def tenant_key(*, tenant_id: int, version: int) -> bytes:
    """The tenant's data key of that version; VaultError when it does not exist."""
    kept = _kept(tenant_id, version)
    if kept is not None:
        return kept
    key = TenantKey.objects.filter(tenant_id=tenant_id, version=version).first()
    if key is None:
        raise VaultError(f"Tenant {tenant_id} has no data key {version}.")
    return _unwrapped(key)


def secret_seal(*, tenant_id: int, field: str, plaintext: str) -> str:
    """`plaintext` sealed for the tenant and field under its newest data key ("" stays "")."""
    if not plaintext:
        return ""
    version, data_key = tenant_key_current(tenant_id=tenant_id)
    return crypto.seal(data_key=data_key, version=version, plaintext=plaintext, tenant_id=tenant_id, field=field)


def secret_open(*, tenant_id: int, field: str, sealed: str) -> str:
    """The plaintext of `sealed` ("" stays ""); VaultError if it was not sealed for this tenant and field."""
    if not sealed:
        return ""
    data_key = tenant_key(tenant_id=tenant_id, version=crypto.sealed_version(sealed))
    return crypto.unseal(data_key=data_key, sealed=sealed, tenant_id=tenant_id, field=field)


def sealed_field_name(model: type[models.Model], field_name: str) -> str:
    """What a sealed column is called in its ciphertexts' associated data: `<app>.<model>.<field>`."""
    return f"{model._meta.label_lower}.{field_name}"


def sealed_read(instance: models.Model, field_name: str) -> str:
    """The plaintext of the instance's sealed column, opened once per instance and ciphertext."""
    sealed = getattr(instance, field_name)
    opened: dict[tuple[str, str], str] = instance.__dict__.setdefault("_vault_opened", {})
    if (field_name, sealed) not in opened:
        opened[(field_name, sealed)] = secret_open(tenant_id=instance.tenant_id,  # type: ignore[attr-defined]
                                                   field=sealed_field_name(type(instance), field_name), sealed=sealed)
    return opened[(field_name, sealed)]


def sealed_write(instance: models.Model, field_name: str, plaintext: str) -> None:
    """Seal `plaintext` into the instance's column for its tenant (saving is the caller's)."""
    if instance.tenant_id is None:  # type: ignore[attr-defined]
        raise VaultError("A secret is sealed for a tenant: set the tenant first.")
    sealed = secret_seal(tenant_id=instance.tenant_id,  # type: ignore[attr-defined]
                         field=sealed_field_name(type(instance), field_name), plaintext=plaintext or "")
    setattr(instance, field_name, sealed)
    instance.__dict__.setdefault("_vault_opened", {})[(field_name, sealed)] = plaintext or ""
