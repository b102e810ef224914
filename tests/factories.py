"""factory-boy factories of test data: tenants, verified users, and members of a tenant with a role."""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import Membership, Role, Tenant, User

PASSWORD = "correct-horse-battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified email who logs in with PASSWORD."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = PASSWORD
    email_verified_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)  # hashes the password


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.MEMBER


def member(tenant: Tenant, role: str = Role.MEMBER, **user_fields) -> User:
    """A new verified user who belongs to `tenant` with `role` (user fields such as email may be given)."""
    return MembershipFactory(tenant=tenant, role=role, **{f"user__{k}": v for k, v in user_fields.items()}).user
