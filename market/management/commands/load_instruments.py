from django.core.management.base import BaseCommand

from market.services import instrument_catalogue_load


class Command(BaseCommand):
    help = "Load the instrument catalogue (stocks, forex majors and crosses, crypto); idempotent."

    def handle(self, *args, **options):
        count = instrument_catalogue_load()
        self.stdout.write(self.style.SUCCESS(f"{count} instruments in the catalogue."))
