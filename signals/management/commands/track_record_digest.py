import hashlib
import json
from dataclasses import asdict

from django.core.management.base import BaseCommand

from signals.models import LedgerEntry, SignalOutcome
from signals.track_record_selectors import track_record_groups


def track_record_digest() -> tuple[int, int, str]:
    """The outcomes and ledger entries counted, and the SHA-256 of every group's record as canonical
    JSON: two databases with the same track record print the same line (docs/backups.md)."""
    records = [{"key": group.key, "record": asdict(group.record)} for group in track_record_groups()]
    canonical = json.dumps(records, sort_keys=True, separators=(",", ":"), default=str)
    return SignalOutcome.objects.count(), LedgerEntry.objects.count(), hashlib.sha256(canonical.encode()).hexdigest()


class Command(BaseCommand):
    help = "Print a digest of the whole track record, to compare two databases (after a restore)."

    def handle(self, *args, **options):
        outcomes, entries, digest = track_record_digest()
        self.stdout.write(f"Track record: {outcomes} outcomes, {entries} ledger entries, sha256 {digest}")
