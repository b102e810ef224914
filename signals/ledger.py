"""The ledger in the database: append one entry at a time, verify the whole chain.

The hashing is the pure `signals.engine.ledger`; this module only serialises the appends (one
writer at a time, so sequence numbers have no gaps) and reads entries in order to verify them.
"""

from __future__ import annotations

from django.db import connection, transaction

from signals.engine.ledger import GENESIS_HASH, VerifyResult, canonical_json, text_hash, verify_chain
from signals.models import LedgerEntry, LedgerKind, Signal

# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
LEDGER_LOCK_ID = 0x4245_4143_4F4E


def lock_ledger() -> None:
    """Serialise appends: PostgreSQL takes a transaction-scoped advisory lock; SQLite's IMMEDIATE
    transactions (see settings) already hold the database's single write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_ID])


def ledger_append(*, kind: LedgerKind, signal: Signal, payload: dict) -> LedgerEntry:
    """Append `payload` as the next entry, chained to the previous entry's hash."""
    return ledger_append_many(kind=kind, entries=[(signal, payload)])[0]


# No savepoint: inside the caller's transaction (the signal or outcomes being stored) a failed append
# must fail that transaction anyway, and a savepoint cost two round trips on the live path.
@transaction.atomic(savepoint=False)
def ledger_append_many(*, kind: LedgerKind, entries: list[tuple[Signal, dict]]) -> list[LedgerEntry]:
    """Append each (signal, payload) in order, each chained to the one before, in one insert."""
    lock_ledger()
    last = LedgerEntry.objects.order_by("-seq").only("seq", "hash").first()
    seq, prev_hash = (0, GENESIS_HASH) if last is None else (last.seq, last.hash)
    rows = []
    for signal, payload in entries:
        canonical = canonical_json(payload)
        seq, entry_hash = seq + 1, text_hash(prev_hash, canonical)
        rows.append(LedgerEntry(seq=seq, kind=kind, signal=signal, canonical=canonical, payload=payload,
                                prev_hash=prev_hash, hash=entry_hash))
        prev_hash = entry_hash
    return LedgerEntry.objects.bulk_create(rows)


def ledger_verify(*, chunk_size: int = 5000) -> VerifyResult:
    """Recompute every hash in order; names the first broken entry."""
    rows = LedgerEntry.objects.order_by("seq").values("seq", "prev_hash", "hash", "canonical")
    return verify_chain(rows.iterator(chunk_size=chunk_size))
