"""The hash chain of the ledger. No Django.

Each entry's hash is sha256(previous hash + canonical JSON of its payload), hex; the first entry's
previous hash is 64 zeros. Canonical JSON: keys sorted, no whitespace, UTF-8 (not ASCII-escaped),
floats as Python's shortest round-trip repr (so 0.1 is "0.1"), -0.0 written as 0.0, integers as
integers, and NaN or infinity refused (never published). Datetimes must already be ISO 8601
strings in the payload. The canonical text is stored verbatim beside the hash and verified as
stored: a JSON database type may rewrite numbers (PostgreSQL's jsonb turns -0.0 into 0.0), so the
bytes that were hashed are the bytes that are kept.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypedDict, final

GENESIS_HASH = "0" * 64


class NotCanonical(ValueError):
    """The payload holds something the ledger cannot publish (NaN, infinity, an unknown type)."""


def _check_finite(value: object) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise NotCanonical(f"{value!r} cannot be published")
    if isinstance(value, Mapping):
        for item in value.values():
            _check_finite(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_finite(item)


def _without_negative_zero(value: object) -> object:
    if isinstance(value, float) and value == 0.0:
        return 0.0
    if isinstance(value, Mapping):
        return {k: _without_negative_zero(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_negative_zero(v) for v in value]
    return value


def canonical_json(payload: Mapping[str, object]) -> str:
    """The one serialisation every hash is computed over."""
    _check_finite(payload)
    try:
        return json.dumps(_without_negative_zero(payload), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, allow_nan=False)
    except TypeError as error:
        raise NotCanonical(str(error)) from error


def entry_hash(previous_hash: str, payload: Mapping[str, object]) -> str:
    """sha256(previous hash + canonical JSON), hex."""
    return text_hash(previous_hash, canonical_json(payload))


def text_hash(previous_hash: str, canonical: str) -> str:
    """sha256(previous hash + the canonical text as stored), hex."""
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()


class StoredEntry(TypedDict):
    """A ledger entry as stored: its canonical text is what was hashed."""

    seq: int
    prev_hash: str
    hash: str
    canonical: str


@final  # has no `canonical`: what `"canonical" in entry` tells apart
class PayloadEntry(TypedDict):
    """A ledger entry whose payload is serialised to be checked."""

    seq: int
    prev_hash: str
    hash: str
    payload: Mapping[str, object]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[StoredEntry | PayloadEntry], *, first_seq: int = 1,
                 previous_hash: str = GENESIS_HASH) -> VerifyResult:
    """Recompute the chain over entries (dicts with seq, prev_hash, hash and the stored `canonical`
    text, or a `payload` to serialise) in sequence order, from the first entry (seq 1 after the
    genesis hash) or from `first_seq` after the entry whose hash is `previous_hash`.

    Names the first entry whose sequence number skips, whose previous hash is not the hash before
    it, or whose hash does not match its payload.
    """
    previous, expected_seq, checked = previous_hash, first_seq, 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return VerifyResult(False, checked, seq, f"sequence jumps from {expected_seq - 1} to {seq}")
        if entry["prev_hash"] != previous:
            return VerifyResult(False, checked, seq, "previous hash does not match the entry before it")
        canonical = entry["canonical"] if "canonical" in entry else canonical_json(entry["payload"])
        if text_hash(previous, canonical) != entry["hash"]:
            return VerifyResult(False, checked, seq, "hash does not match the payload (edited?)")
        previous, expected_seq, checked = entry["hash"], seq + 1, checked + 1
    return VerifyResult(True, checked)
