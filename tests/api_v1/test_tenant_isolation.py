"""Tenant isolation of the API's endpoints (issue 15): what a key reads depends on its own tenant only.

Signals, instruments, bars, the screener and the track record are the plan's, not the tenant's: two
tenants on one plan read the same answers, whatever the other does, and a signal outside the key's
tier is a 404 (the foundation's helper). The tenant's own data (who it is, its usage) is never
another tenant's. The public endpoints need no tenant at all."""

import pytest

from billing.models import UsageCounter
from tests.api_v1.conftest import close, key_headers, publish, subscribe
from tests.factories import TenantFactory, UserFactory
from tests.isolation import assert_other_tenant_gets_404

PLAN_WIDE = ["/api/v1/signals/", "/api/v1/signals/{id}/", "/api/v1/instruments/",
             "/api/v1/instruments/GOOG/bars/?timeframe=D1", "/api/v1/screener/", "/api/v1/track-record/"]


@pytest.fixture
def two_on_pro(catalogue, tenant_a, alice):
    """alice's tenant and another, both on Pro, each with a key."""
    other = TenantFactory(name="Other Desk")
    subscribe(tenant_a, "pro")
    subscribe(other, "pro")
    return key_headers(tenant_a, alice), key_headers(other, UserFactory())


@pytest.mark.parametrize("url", PLAN_WIDE)
def test_two_tenants_on_one_plan_read_the_same_answer(client, two_on_pro, url):
    mine, theirs = two_on_pro
    signal = publish("GOOG", timeframe="D1")
    close(signal, r_multiple=1.5)
    url = url.format(id=signal.pk)

    first, second = client.get(url, headers=mine), client.get(url, headers=theirs)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()


def test_a_signal_outside_the_keys_tier_is_a_404_for_every_method(client, catalogue, tenant_b, charlie):
    subscribe(tenant_b, "pro")
    m15 = publish("GOOG", timeframe="M15")  # Premium's timeframe only

    assert_other_tenant_gets_404(client, url=f"/api/v1/signals/{m15.pk}/", headers=key_headers(tenant_b, charlie),
                                 methods=("get",))


def test_me_names_the_keys_tenant_only(client, two_on_pro, tenant_a):
    mine, theirs = two_on_pro

    assert client.get("/api/v1/me/", headers=mine).json()["tenant"] == tenant_a.name
    assert client.get("/api/v1/me/", headers=theirs).json()["tenant"] == "Other Desk"


def test_usage_counts_the_keys_tenant_only(client, two_on_pro, tenant_a):
    mine, theirs = two_on_pro
    for _ in range(3):
        client.get("/api/v1/instruments/", headers=mine)

    theirs_usage = client.get("/api/v1/billing/usage/", headers=theirs).json()["usage_today"]["api_calls"]
    my_usage = client.get("/api/v1/billing/usage/", headers=mine).json()["usage_today"]["api_calls"]

    assert (theirs_usage, my_usage) == (1, 4)  # each counts itself and its own tenant's calls before
    assert not UsageCounter.objects.exclude(tenant=tenant_a).filter(count__gt=1).exists()
