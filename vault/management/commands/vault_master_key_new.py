"""`manage.py vault_master_key_new <id>`: print a new VAULT_MASTER_KEYS entry (docs/vault.md)."""

from django.core.management.base import BaseCommand, CommandError

from vault.crypto import master_key_new_entry


class Command(BaseCommand):
    help = "Print a new master key entry, <id>:<base64 of 32 random bytes>, to put first in VAULT_MASTER_KEYS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("key_id", help="A name for the key, e.g. 2026-12 (stored beside every key it wraps).")

    def handle(self, *args, key_id: str, **options) -> None:
        if not key_id or any(c in key_id for c in ":, "):
            raise CommandError("The id is a short name without ':', ',' or spaces, e.g. 2026-12.")
        self.stdout.write(master_key_new_entry(key_id))
