from datetime import timedelta

from django.core import mail
from django.utils import timezone

from billing.models import Plan, Subscription, SubscriptionStatus
from billing.services import plan_catalogue_seed
from billing.sync import downgrades_notify
from config.absolute_url import absolute_url


def test_an_absolute_url_is_the_site_url_and_the_path_without_a_double_slash(settings):
    settings.SITE_URL = "https://beacon.example/"

    assert absolute_url("/billing/") == "https://beacon.example/billing/"


def test_the_downgrade_email_links_to_the_billing_page_of_the_site(settings, alice, tenant_a):
    settings.SITE_URL = "https://beacon.example"
    plan_catalogue_seed()
    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status=SubscriptionStatus.PAST_DUE,
                                past_due_since=timezone.now() - timedelta(days=30))

    assert downgrades_notify() == 1

    assert mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].body.splitlines()[-1] == "https://beacon.example/billing/"
