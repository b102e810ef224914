"""Tenant scoping in one place (DESIGN.md principle 3).

Every tenant-owned model inherits `TenantOwnedModel` and is read through
`Model.objects.for_tenant(tenant)`. Views get objects with `get_for_tenant_or_404`, so an object of
another tenant answers 404, never 403 and never data.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

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
