"""Reads of accounts data. Tenant-owned rows are always read through the tenant."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiKey, AuditEvent, Invitation, Membership, Tenant, User


def membership_active(*, user: User, tenant_id: int | None) -> Membership | None:
    """The membership for the tenant the session chose, else the user's oldest membership."""
    memberships = Membership.objects.select_related("tenant").filter(user=user).order_by("created_at", "id")
    if tenant_id is not None:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.select_related("tenant").filter(user=user).order_by("tenant__name")


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(tenant=tenant).order_by("created_at", "id")


def invitation_list_pending(*, tenant: Tenant) -> QuerySet[Invitation]:
    return Invitation.objects.for_tenant(tenant).filter(accepted_at=None, revoked_at=None).order_by("-created_at")


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_tenant(tenant).order_by("-created_at")


def audit_event_list(*, tenant: Tenant) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.for_tenant(tenant).select_related("actor")
