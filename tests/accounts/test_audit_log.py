from accounts import services


def test_the_owner_sees_the_tenants_audit_log_filtered_by_action(alice_client, alice, tenant_a, tenant_b):
    services.audit_record(action="login.succeeded", actor=alice, tenant=tenant_a)
    services.audit_record(action="invitation.created", actor=alice, tenant=tenant_a, email="x@example.com")
    services.audit_record(action="login.succeeded", tenant=tenant_b, note="other tenant")

    page = alice_client.get("/accounts/team/audit/?action=invitation").content.decode()

    assert "invitation.created" in page and "email=x@example.com" in page
    assert "login.succeeded" not in page
    assert "other tenant" not in alice_client.get("/accounts/team/audit/").content.decode()


def test_a_member_cannot_read_the_audit_log(client, bob):
    client.force_login(bob)

    assert client.get("/accounts/team/audit/").status_code == 403
