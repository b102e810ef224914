from django.core.management.base import BaseCommand
from django.template.defaultfilters import pluralize

from billing.sync import reconcile_all


class Command(BaseCommand):
    help = "Re-read every tenant's subscription from Stripe and fix drift (missed webhooks); reports changes."

    def handle(self, *args, **options):
        results = reconcile_all()
        for tenant, outcome in results:
            self.stdout.write(f"{tenant.name}: {outcome}")
        count = len(results)
        self.stdout.write(self.style.SUCCESS(f"{count} subscription{pluralize(count)} re-read from Stripe."))
