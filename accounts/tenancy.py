"""Tenant scoping in one place (DESIGN.md principle 3).

Every tenant-owned model inherits `TenantOwnedModel` and is read through
`Model.objects.for_tenant(tenant)`. Views get objects with `get_for_tenant_or_404`, so an object of
another tenant answers 404, never 403 and never data. Website views of a tenant are wrapped in
`tenant_required`; what only owners and admins may do (in a view or a service) starts with
`manager_ensure`, which answers 403.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404

from config.errors import NotPermitted

M = TypeVar("M", bound=models.Model)


class TenantQuerySet(models.QuerySet):
    def for_tenant(self, tenant) -> TenantQuerySet:
        if tenant is None:
            return self.none()
        return self.filter(tenant=tenant)


class TenantOwnedModel(models.Model):
    tenant = models.ForeignKey("accounts.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


def get_for_tenant_or_404(queryset: models.QuerySet[M], *, tenant, **lookup) -> M:
    """The object matching lookup inside tenant's rows; Http404 for any other tenant's object."""
    try:
        return queryset.filter(tenant=tenant).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def tenant_required(view):
    """A website view of the active tenant: login first, then 404 for a user without a tenant."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.tenant is None:
            raise Http404("No organisation.")
        return view(request, *args, **kwargs)

    return wrapped


def manager_ensure(*, membership, to: str = "do this") -> None:
    """NotPermitted (403) unless `membership` is an owner's or an admin's (`MANAGER_ROLES`)."""
    if membership is None or not membership.can_manage:
        raise NotPermitted(f"Only owners and admins can {to}.")
