"""Seed what `make run` shows a new user: plans, a demo tenant and login, an operator, market data, and an
API key with the command that follows the live feed with it.

Idempotent: running it again changes nothing that is already there.

The demo organisation is on Pro, granted by the operator without Stripe (billing.services.subscription_grant,
what an operator does in the admin), so it sees signals as they are published and has API access; a new
signup is on Free as always. Its API key is derived from SECRET_KEY (accounts.services.api_key_derived_ensure):
only its hash is stored, yet each run prints the same key, so a client started with it keeps working
across runs of `make run`.
"""

import base64

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKeyScope, Membership, User
from accounts.services import api_key_derived_ensure, user_signup
from alerts.demo_seed import alert_rules_demo_seed
from backtests.demo_seed import backtest_demo_seed
from billing.entitlements import tenant_entitlements
from billing.models import Plan
from billing.services import plan_catalogue_seed, subscription_grant
from config.errors import Conflict
from market.demo_seed import DEMO_HISTORY, market_demo_seed
from news.demo_seed import news_demo_seed
from portfolios.demo_seed import portfolio_demo_seed
from signals.confidence import model_train
from signals.model_selectors import confidence_status
from signals.models import ModelVersion
from signals.selectors import strategy_active

DEMO_EMAIL = "demo@beacon.local"
DEMO_PASSWORD = "beacon-demo-password"  # demo data only; printed for the user of `make run`
DEMO_PLAN = "pro"
DEMO_KEY_NAME = "Demo live feed"
OPERATOR_EMAIL = "admin@beacon.local"
OPERATOR_PASSWORD = "beacon-admin-password"  # demo data only; the admin also needs the TOTP code


class Command(BaseCommand):
    help = "Seed demo data (idempotent) and print the demo and operator logins, the demo API key and the feed command."

    def handle(self, *args, **options):
        plan_catalogue_seed()
        with transaction.atomic():
            demo = User.objects.filter(email=DEMO_EMAIL).first()
            if demo is None:
                demo = user_signup(email=DEMO_EMAIL, password=DEMO_PASSWORD, full_name="Demo Trader",
                                   organisation="Demo Capital")
                demo.email_verified_at = timezone.now()
                demo.save(update_fields=["email_verified_at"])
            operator = User.objects.filter(email=OPERATOR_EMAIL).first()
            if operator is None:
                operator = User.objects.create_superuser(email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD,
                                                         full_name="Operator")
            device, _ = TOTPDevice.objects.get_or_create(user=operator, name="Operator authenticator",
                                                         defaults={"confirmed": True})
            tenant = Membership.objects.select_related("tenant").filter(user=demo).earliest("pk").tenant
            try:
                plan = subscription_grant(tenant=tenant, plan=Plan.objects.get(code=DEMO_PLAN)).plan
                plan_words = f"{plan.name} granted by the operator"
            except Conflict:  # the demo bought a plan through Stripe (test keys): Stripe decides it
                plan_words = f"{tenant_entitlements(tenant=tenant).plan_name} through Stripe"
            demo_key = api_key_derived_ensure(tenant=tenant, name=DEMO_KEY_NAME, scope=ApiKeyScope.READ,
                                              label=f"demo:{tenant.pk}")
        reports = market_demo_seed()
        news = news_demo_seed()
        rule = alert_rules_demo_seed(member=demo)
        portfolio = portfolio_demo_seed(member=demo)
        backtests = backtest_demo_seed(member=demo)
        for history in DEMO_HISTORY:
            report = reports[history.symbol]
            self.stdout.write(f"Market data {history.symbol} {history.timeframe}: {report.received} real bars before "
                              f"{history.replay_from:%Y-%m-%d}, {report.stored} new, {report.quarantined} quarantined; "
                              f"the replay plays the rest as live")
        self.stdout.write(f"Demo news: {news.received} illustrative items (headlines written for the demo, not "
                          f"real articles), {news.stored} new, scored by VADER and linked to the instruments they name")
        if portfolio is not None:
            self.stdout.write(f"Demo paper portfolio “{portfolio.name}”: follows every signal, 1% of equity at risk, "
                              f"at /app/portfolios/{portfolio.pk}/")
        for backtest in backtests:
            self.stdout.write(f"Demo backtest {backtest} on {backtest.instrument.symbol} "
                              f"{backtest.params['start']} to {backtest.params['end']}: {backtest.get_status_display()}"
                              f", at /app/backtests/{backtest.pk}/")
        if rule is not None:
            self.stdout.write(f"Demo alert “{rule.name}” ({rule.summary}): in the app and by email (printed here)")
        if not ModelVersion.objects.exists():
            for version in model_train():
                self.stdout.write(f"Confidence model v{version.version} ({version.get_kind_display()}): "
                                  f"{version.oos_samples} out-of-sample predictions, Brier {version.oos_brier} "
                                  f"(base rate: {version.baselines['constant_base_rate_brier']}), skill score "
                                  f"{version.oos_bss:+.4f} (95% interval {version.oos_bss_low:+.4f} to "
                                  f"{version.oos_bss_high:+.4f}); {'active' if version.is_active else 'not used'}")
            strategy = strategy_active()
            if strategy is not None:
                self.stdout.write(confidence_status(strategy=strategy))
        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(self.style.SUCCESS(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD} "
                                             f"({tenant.name}, on {plan_words})"))
        if demo_key is None:
            self.stdout.write(self.style.WARNING(f"The demo API key “{DEMO_KEY_NAME}” was revoked; "
                                                 "create a key on the API keys page."))
        else:
            self.stdout.write(self.style.SUCCESS(
                f"Demo API key (read): {demo_key[1]}\n"
                f"Follow the live feed with it (in another shell, while this runs): "
                f".venv/bin/python manage.py feed --key {demo_key[1]} --state-file var/feed.state"))
        self.stdout.write(self.style.SUCCESS(
            f"Admin login (http://127.0.0.1:8000/admin/): {OPERATOR_EMAIL} / {OPERATOR_PASSWORD}, "
            f"then a code from an authenticator app set up with the key {secret}"))
