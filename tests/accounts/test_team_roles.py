from accounts.models import AuditEvent, Membership, Role


def test_an_owner_changes_a_members_role_and_it_is_audited(alice_client, alice, bob):
    membership = Membership.objects.get(user=bob)

    alice_client.post(f"/accounts/team/members/{membership.pk}/role/", {"role": "admin"})

    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.details == {"member": "bob@example.com", "previous": "member", "role": "admin"}


def test_bob_a_member_cannot_change_roles_or_remove_anyone(client, alice, bob):
    client.force_login(bob)
    owner = Membership.objects.get(user=alice)

    role = client.post(f"/accounts/team/members/{owner.pk}/role/", {"role": "member"})
    remove = client.post(f"/accounts/team/members/{owner.pk}/remove/")

    assert role.status_code == 403 and remove.status_code == 403
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(client, alice, bob):
    bob_membership = Membership.objects.get(user=bob)
    bob_membership.role = Role.ADMIN
    bob_membership.save()
    client.force_login(alice)
    owner = Membership.objects.get(user=alice)
    from accounts import services
    from config.errors import InvalidInput

    try:
        services.membership_role_change(actor_membership=owner, membership=owner, role="member")
    except InvalidInput as error:
        assert "at least one owner" in error.message
    else:
        raise AssertionError("the last owner was demoted")
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER


def test_an_admin_cannot_grant_ownership(client, alice, bob):
    Membership.objects.filter(user=bob).update(role=Role.ADMIN)
    client.force_login(bob)
    bob_membership = Membership.objects.get(user=bob)

    response = client.post(f"/accounts/team/members/{bob_membership.pk}/role/", {"role": "owner"}, follow=True)

    assert "Only an owner can grant" in response.content.decode()
    assert Membership.objects.get(pk=bob_membership.pk).role == Role.ADMIN


def test_an_owner_removes_a_member(alice_client, bob):
    membership = Membership.objects.get(user=bob)

    alice_client.post(f"/accounts/team/members/{membership.pk}/remove/")

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="member.removed").exists()


def test_a_role_change_is_confirmed_with_the_role_in_words(alice_client, bob):
    membership = Membership.objects.get(user=bob)

    response = alice_client.post(f"/accounts/team/members/{membership.pk}/role/", {"role": "admin"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["bob@example.com now has the Admin role."]
