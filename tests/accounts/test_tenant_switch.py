from accounts.models import Membership, Role


def test_a_member_of_two_tenants_switches_between_them(client, alice, tenant_b):
    Membership.objects.create(user=alice, tenant=tenant_b, role=Role.MEMBER)
    client.force_login(alice)
    assert "Alpha Capital" in client.get("/app/").content.decode()

    client.post(f"/accounts/tenants/{tenant_b.pk}/switch/")

    page = client.get("/app/").content.decode()
    assert "Bravo Trading" in page and "Signals for Bravo Trading" in page


def test_switching_to_a_tenant_you_do_not_belong_to_is_404_and_changes_nothing(alice_client, tenant_b):
    response = alice_client.post(f"/accounts/tenants/{tenant_b.pk}/switch/")

    assert response.status_code == 404
    assert "Signals for Alpha Capital" in alice_client.get("/app/").content.decode()
