"""The tenant: switch between tenants, members and roles, invitations, the audit log.

Objects are read through request.tenant, so another tenant's member or invitation is a 404;
a member of this tenant who may not manage it gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import InvitationForm, RoleForm
from accounts.middleware import SESSION_TENANT_KEY
from accounts.models import Invitation, Membership
from accounts.tenancy import get_for_tenant_or_404, manager_ensure, tenant_required
from config.errors import DomainError, InvalidInput, PlanLimitReached


@login_required
@require_POST
def tenant_switch(request, tenant_id: int):
    membership = get_object_or_404(Membership.objects.select_related("tenant"), user=request.user,
                                   tenant_id=tenant_id)
    request.session[SESSION_TENANT_KEY] = membership.tenant_id
    messages.info(request, f"You are now in {membership.tenant.name}.")
    return redirect("dashboard")


@tenant_required
def team(request):
    tenant = request.tenant
    return render(request, "accounts/team.html", {
        "members": selectors.membership_list(tenant=tenant),
        "invitations": selectors.invitation_list_pending(tenant=tenant),
        "invite_form": InvitationForm(),
        "role_choices": RoleForm.base_fields["role"].choices,
        "seats_used": services.seats_in_use(tenant=tenant),
    })


@tenant_required
@require_POST
def invitation_create(request):
    manager_ensure(membership=request.membership)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(actor_membership=request.membership, request=request, **form.cleaned_data)
        except PlanLimitReached as error:
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, _first_message(error))
        else:
            messages.info(request, f"Invitation sent to {form.cleaned_data['email']}.")
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("accounts:team")


def _first_message(error: DomainError) -> str:
    for messages_of_field in error.fields.values():
        return f"{error.message} {' '.join(messages_of_field)}"
    return error.message


@tenant_required
@require_POST
def invitation_revoke(request, invitation_id: int):
    invitation = get_for_tenant_or_404(Invitation.objects, tenant=request.tenant, pk=invitation_id)
    manager_ensure(membership=request.membership)
    services.invitation_revoke(actor_membership=request.membership, invitation=invitation, request=request)
    messages.info(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("accounts:team")


@tenant_required
@require_POST
def member_role_change(request, membership_id: int):
    membership = get_for_tenant_or_404(Membership.objects.select_related("user"), tenant=request.tenant,
                                       pk=membership_id)
    manager_ensure(membership=request.membership)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput("Choose a role.", fields={"role": ["Choose owner, admin or member."]})
        services.membership_role_change(actor_membership=request.membership, membership=membership,
                                        role=form.cleaned_data["role"], request=request)
    except DomainError as error:
        messages.error(request, _first_message(error))
    else:
        messages.info(request, f"{membership.user.email} now has the {membership.get_role_display()} role.")
    return redirect("accounts:team")


@tenant_required
@require_POST
def member_remove(request, membership_id: int):
    membership = get_for_tenant_or_404(Membership.objects.select_related("user"), tenant=request.tenant,
                                       pk=membership_id)
    manager_ensure(membership=request.membership)
    try:
        services.membership_remove(actor_membership=request.membership, membership=membership, request=request)
    except DomainError as error:
        messages.error(request, _first_message(error))
    else:
        messages.info(request, f"{membership.user.email} was removed.")
    return redirect("accounts:team")


def invitation_accept(request, token: str):
    """GET shows the invitation; POST (logged in as the invited email) joins the tenant."""
    try:
        invitation = services.invitation_by_token(token=token)
    except InvalidInput as error:
        return render(request, "accounts/invitation.html", {"error": error.message}, status=400)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            membership = services.invitation_accept(token=token, user=request.user, request=request)
        except InvalidInput as error:
            return render(request, "accounts/invitation.html", {"error": error.message, "invitation": invitation},
                          status=400)
        request.session[SESSION_TENANT_KEY] = membership.tenant_id
        messages.info(request, f"You joined {membership.tenant.name}.")
        return redirect("dashboard")
    return render(request, "accounts/invitation.html", {"invitation": invitation, "token": token})


@tenant_required
def audit_log(request):
    if not request.membership.is_owner:
        raise PermissionDenied("Only owners see the audit log.")
    events = selectors.audit_event_list(tenant=request.tenant)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {"page": page, "action": action})
