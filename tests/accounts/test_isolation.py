"""Every tenant-owned route of accounts: another tenant's user gets 404 and nothing changes."""

import pytest

from accounts import services
from accounts.models import ApiKey, Invitation, Membership
from billing.models import Plan, Subscription
from tests.isolation import assert_other_tenant_gets_404

# Action routes accept POST only (other methods are 405 before any lookup, revealing nothing).
ACTION = ("post",)


@pytest.fixture
def alpha_on_pro(tenant_a):
    Subscription.objects.create(tenant=tenant_a, plan=Plan.objects.get(code="pro"), status="active")


def test_members_of_another_tenant_are_404(client, alice, bob, charlie):
    membership = Membership.objects.get(user=bob)
    for url, data in [(f"/accounts/team/members/{membership.pk}/role/", {"role": "owner"}),
                      (f"/accounts/team/members/{membership.pk}/remove/", {})]:
        assert_other_tenant_gets_404(client, outsider=charlie, url=url, update_data=data, methods=ACTION)

    assert Membership.objects.get(pk=membership.pk).role == "member"


def test_invitations_of_another_tenant_are_404(client, alice, charlie, alpha_on_pro):
    invitation, _ = services.invitation_create(actor_membership=Membership.objects.get(user=alice),
                                               email="dan@example.com", role="member")

    assert_other_tenant_gets_404(client, outsider=charlie, url=f"/accounts/team/invitations/{invitation.pk}/revoke/",
                                 methods=ACTION)

    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_api_keys_of_another_tenant_are_404(client, alice, charlie, tenant_a):
    key, _ = services.api_key_create(tenant=tenant_a, name="bot", scope="read", created_by=alice)

    assert_other_tenant_gets_404(client, outsider=charlie, url=f"/accounts/team/api-keys/{key.pk}/revoke/",
                                 methods=ACTION)

    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_the_audit_log_shows_only_the_own_tenants_events(client, alice, charlie, tenant_a):
    services.audit_record(action="api_key.created", actor=alice, tenant=tenant_a, key_prefix="bk_secret1")
    client.force_login(charlie)

    page = client.get("/accounts/team/audit/").content.decode()

    assert "bk_secret1" not in page
