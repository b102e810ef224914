import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Membership, Role
from accounts.tenancy import manager_ensure
from config.errors import NotPermitted


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owners_and_admins_pass_the_manager_check(alice, role):
    membership = Membership.objects.get(user=alice)
    membership.role = role

    manager_ensure(membership=membership)


def test_a_member_or_no_membership_fails_the_manager_check_with_a_403_that_says_what_was_refused(bob):
    membership = Membership.objects.get(user=bob)

    with pytest.raises(NotPermitted) as refused:
        manager_ensure(membership=membership, to="manage billing")
    with pytest.raises(NotPermitted):
        manager_ensure(membership=None)

    assert refused.value.message == "Only owners and admins can manage billing."
    assert refused.value.status == 403
    assert isinstance(refused.value, PermissionDenied)  # a website view that lets it through answers 403


def test_a_user_without_a_tenant_gets_404_from_a_tenant_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="nobody@example.com", password="x"))

    assert client.get("/accounts/team/").status_code == 404
    assert client.get("/billing/").status_code == 404


def test_an_anonymous_visitor_of_a_tenant_page_is_sent_to_log_in(client, db):
    response = client.get("/billing/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
