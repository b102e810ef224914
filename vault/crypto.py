"""The vault's cryptography, with no Django in it: AES-256-GCM for secrets under a tenant's data key,
and AES-256-GCM again to wrap each data key under a master key (envelope encryption).

Every ciphertext carries associated data that names what it is for (the tenant, the field, the data
key's version, or for a wrapped key the master key's id): GCM refuses to open it anywhere else, so a
ciphertext copied to another tenant's row, another field, or a wrapped key copied to another tenant,
does not decrypt. A sealed secret is text, `vault1.<data key version>.<base64url(nonce | ciphertext+tag)>`,
so it fits a TextField and says which data key opens it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's 96-bit nonce, random per encryption
SEALED_PREFIX = "vault1"


class VaultError(Exception):
    """A ciphertext that does not open: wrong tenant, field or key, tampered, or malformed."""


@dataclass(frozen=True)
class MasterKey:
    """A key-encryption key from the environment: `id` is stored beside every key it wraps."""

    id: str
    key: bytes

    def __repr__(self) -> str:  # never print the key
        return f"MasterKey(id={self.id!r})"


def master_keys_parse(entries: list[str]) -> list[MasterKey]:
    """MasterKeys from `<id>:<base64 of 32 bytes>` entries, newest first; ValueError says which entry is wrong."""
    keys: list[MasterKey] = []
    for number, entry in enumerate(entries, start=1):
        key_id, _, encoded = entry.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if not key_id or len(key) != KEY_BYTES:
            raise ValueError(f"VAULT_MASTER_KEYS entry {number} must be <id>:<base64 of {KEY_BYTES} random bytes>.")
        if any(k.id == key_id for k in keys):
            raise ValueError(f"VAULT_MASTER_KEYS entry {number} repeats the id {key_id!r}.")
        keys.append(MasterKey(id=key_id, key=key))
    return keys


def master_key_derive(secret: str) -> MasterKey:
    """A master key derived from `secret` (SECRET_KEY) by HKDF-SHA256, for development and tests only;
    its id names the derivation and a digest of the secret, so a changed SECRET_KEY is seen as another key."""
    key = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
               info=b"beacon vault master key (development only)").derive(secret.encode())
    return MasterKey(id="derived-" + hashlib.sha256(key).hexdigest()[:8], key=key)


def master_key_new_entry(key_id: str) -> str:
    """A fresh `<id>:<base64>` entry for VAULT_MASTER_KEYS."""
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def data_key_new() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def _wrap_aad(*, tenant_id: int, version: int, master_id: str) -> bytes:
    return f"beacon-vault/1 data-key tenant={tenant_id} version={version} master={master_id}".encode()


def data_key_wrap(*, master: MasterKey, data_key: bytes, tenant_id: int, version: int) -> bytes:
    """The data key encrypted under the master key: nonce | ciphertext+tag (60 bytes)."""
    nonce = os.urandom(NONCE_BYTES)
    aad = _wrap_aad(tenant_id=tenant_id, version=version, master_id=master.id)
    return nonce + AESGCM(master.key).encrypt(nonce, data_key, aad)


def data_key_unwrap(*, master: MasterKey, wrapped: bytes, tenant_id: int, version: int) -> bytes:
    """The data key back from data_key_wrap; VaultError if it was wrapped for another tenant, version or key."""
    aad = _wrap_aad(tenant_id=tenant_id, version=version, master_id=master.id)
    try:
        return AESGCM(master.key).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as error:
        raise VaultError(f"The data key {version} of tenant {tenant_id} does not unwrap with {master.id}.") from error


def _seal_aad(*, tenant_id: int, field: str, version: int) -> bytes:
    return f"beacon-vault/1 secret tenant={tenant_id} field={field} version={version}".encode()


def seal(*, data_key: bytes, version: int, plaintext: str, tenant_id: int, field: str) -> str:
    """`plaintext` encrypted for this tenant and field: `vault1.<version>.<base64url>`."""
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _seal_aad(tenant_id=tenant_id, field=field,
                                                                          version=version))
    return f"{SEALED_PREFIX}.{version}.{base64.urlsafe_b64encode(nonce + body).decode()}"


def sealed_version(sealed: str) -> int:
    """The version of the data key that opens `sealed`; VaultError if it is not a sealed secret."""
    prefix, _, rest = sealed.partition(".")
    version, _, _ = rest.partition(".")
    if prefix != SEALED_PREFIX or not version.isdigit():
        raise VaultError("This is not a sealed secret.")
    return int(version)


def unseal(*, data_key: bytes, sealed: str, tenant_id: int, field: str) -> str:
    """The plaintext of `sealed`; VaultError if it was sealed for another tenant or field, or altered."""
    version = sealed_version(sealed)
    try:
        raw = base64.urlsafe_b64decode(sealed.split(".", 2)[2])
        plaintext = AESGCM(data_key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                             _seal_aad(tenant_id=tenant_id, field=field, version=version))
    except (InvalidTag, ValueError, binascii.Error) as error:
        raise VaultError(f"A secret of {field} does not open for tenant {tenant_id}.") from error
    return plaintext.decode()
