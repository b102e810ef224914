"""Reads of the ledger for everyone: entries over a range of sequence numbers, and their verification.

An entry's canonical text is public once its signal is no longer live (its outcome is recorded or it
has expired): until then the entry shows its hash and links, which commit to the text without
revealing a signal that paying tiers are still trading. The hash rule is in `signals.engine.ledger`
and docs/ledger.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, F, Max, Q, QuerySet, Value, When

from signals.engine.ledger import GENESIS_HASH, VerifyResult, verify_chain
from signals.models import LedgerEntry

LEDGER_VERIFY_MAX_ENTRIES = 10_000
ENTRY_COLUMNS = ("seq", "kind", "signal_id", "created_at", "prev_hash", "hash", "revealed", "canonical_text")


def ledger_entry_list(*, from_seq: int = 1, to_seq: int | None = None, now: datetime) -> QuerySet:
    """Rows (dicts of ENTRY_COLUMNS) of the entries with from_seq <= seq <= to_seq; `canonical_text`
    is None while the entry's signal is live. Unordered: the cursor pagination orders by seq."""
    entries = LedgerEntry.objects.filter(seq__gte=from_seq)
    if to_seq is not None:
        entries = entries.filter(seq__lte=to_seq)
    revealed = Q(signal__outcome__isnull=False) | Q(signal__valid_until__lte=now)
    return entries.annotate(
        revealed=Case(When(revealed, then=Value(True)), default=Value(False), output_field=BooleanField()),
        canonical_text=Case(When(revealed, then=F("canonical")), default=None),
    ).values(*ENTRY_COLUMNS)


def ledger_head_seq() -> int:
    """The sequence number of the newest entry (0 when the ledger is empty)."""
    return LedgerEntry.objects.aggregate(head=Max("seq"))["head"] or 0


@dataclass(frozen=True)
class RangeVerification:
    from_seq: int
    to_seq: int
    head_seq: int
    result: VerifyResult


def ledger_verify_range(*, from_seq: int, to_seq: int, chunk_size: int = 2000) -> RangeVerification:
    """Recompute every hash from `from_seq` to `to_seq` from the stored canonical text, chained to the
    hash of the entry before `from_seq` (the genesis hash before the first entry); names the first
    entry where the chain breaks, a missing one included."""
    head = ledger_head_seq()
    previous_hash = GENESIS_HASH
    if 1 < from_seq <= head + 1:
        stored = LedgerEntry.objects.filter(seq=from_seq - 1).values_list("hash", flat=True).first()
        if stored is None:
            result = VerifyResult(False, 0, from_seq - 1, f"entry {from_seq - 1} is missing")
            return RangeVerification(from_seq, to_seq, head, result)
        previous_hash = stored
    rows = (LedgerEntry.objects.filter(seq__gte=from_seq, seq__lte=to_seq).order_by("seq")
            .values("seq", "prev_hash", "hash", "canonical"))
    result = verify_chain(rows.iterator(chunk_size=chunk_size), first_seq=from_seq, previous_hash=previous_hash)
    return RangeVerification(from_seq, to_seq, head, result)
