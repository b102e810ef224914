"""Seed what `make run` shows a new user: plans, a demo tenant and login, market data, strategy.

Idempotent: running it again changes nothing that is already there.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_signup
from billing.services import plan_catalogue_seed

DEMO_EMAIL = "demo@beacon.local"
DEMO_PASSWORD = "beacon-demo-password"  # demo data only; printed for the user of `make run`


class Command(BaseCommand):
    help = "Seed demo data (idempotent) and print the demo login."

    def handle(self, *args, **options):
        plan_catalogue_seed()
        with transaction.atomic():
            user = User.objects.filter(email=DEMO_EMAIL).first()
            if user is None:
                user = user_signup(email=DEMO_EMAIL, password=DEMO_PASSWORD, full_name="Demo Trader",
                                   organisation="Demo Capital")
                from django.utils import timezone

                user.email_verified_at = timezone.now()
                user.save(update_fields=["email_verified_at"])
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}"))
