"""Who reads or changes a tenant's watchlists and alert rules, as the services need to know it.

A member acts as themself: they see the tenant's shared watchlists and their own private ones, and
change what they created (owners and admins change anything shared). An API key acts for the whole
tenant, as the owner or admin who made it: it sees and changes shared watchlists only, and what it
creates is credited to the key's maker.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ApiKey, Tenant, User


@dataclass(frozen=True)
class Actor:
    tenant: Tenant
    user: User | None  # the member; None for an API key, which sees shared objects only
    manages: bool  # an owner or admin (or an API key): may change what others created and shared
    credited_to: User | None  # who what it creates is credited to: the member, or the key's maker

    @classmethod
    def member(cls, *, tenant: Tenant, user: User, manages: bool) -> Actor:
        return cls(tenant=tenant, user=user, manages=manages, credited_to=user)

    @classmethod
    def api_key(cls, key: ApiKey) -> Actor:
        return cls(tenant=key.tenant, user=None, manages=True, credited_to=key.created_by)

    @property
    def is_api_key(self) -> bool:
        return self.user is None


def actor_of_request(request) -> Actor:
    """The actor of a website or API request: its API key if it came with one, else the member."""
    key = getattr(request, "auth", None)  # a DRF request's; the website's requests have none
    if isinstance(key, ApiKey):
        return Actor.api_key(key)
    return Actor.member(tenant=request.tenant, user=request.user, manages=request.membership.can_manage)
