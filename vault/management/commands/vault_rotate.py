"""`manage.py vault_rotate [--new-data-keys [--since ISO]]`: see vault.rotation and docs/vault.md."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from vault.crypto import VaultError
from vault.rotation import vault_rotate


class Command(BaseCommand):
    help = "Re-wrap every tenant's data key under the newest master key; optionally re-seal under new data keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--new-data-keys", action="store_true",
                            help="Also give each tenant a new data key and re-seal its secrets under it.")
        parser.add_argument("--since", help="With --new-data-keys: data keys made at or after this ISO time count "
                                            "as new (pass the time a stopped run printed, to resume it).")

    def handle(self, *args, new_data_keys: bool, since: str | None, **options) -> None:
        started = parse_datetime(since) if since else timezone.now()
        if started is None or timezone.is_naive(started):
            raise CommandError("--since must be an ISO date and time with its offset, e.g. 2026-12-03T12:00:00Z.")
        if new_data_keys:
            self.stdout.write(f"new data keys since {started.isoformat()} (pass --since with this to resume)")
        try:
            report = vault_rotate(new_data_keys=new_data_keys, since=started)
        except VaultError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{report.rewrapped} data keys re-wrapped, {report.tenants_rekeyed} tenants given a new "
                          f"data key, {report.resealed} secrets re-sealed, {report.keys_removed} old data keys "
                          f"removed")
