"""API keys of the tenant: create (plaintext shown once), list, revoke. Owners and admins only."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import ApiKeyForm, form_add_domain_error
from accounts.models import ApiKey
from accounts.tenancy import get_for_tenant_or_404, manager_ensure, tenant_required
from config.errors import InvalidInput


@tenant_required
def api_keys(request):
    manager_ensure(membership=request.membership)
    form = ApiKeyForm(request.POST or None)
    plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            _, plaintext = services.api_key_create(tenant=request.tenant, created_by=request.user, request=request,
                                                   **form.cleaned_data)
        except InvalidInput as error:
            form_add_domain_error(form, error)
        else:
            form = ApiKeyForm()
    response = render(request, "accounts/api_keys.html", {
        "form": form, "keys": selectors.api_key_list(tenant=request.tenant), "plaintext": plaintext,
    })
    response["Cache-Control"] = "no-store"  # the page may hold a key's only showing
    return response


@tenant_required
@require_POST
def api_key_revoke(request, key_id: int):
    key = get_for_tenant_or_404(ApiKey.objects, tenant=request.tenant, pk=key_id)
    manager_ensure(membership=request.membership)
    services.api_key_revoke(key=key, actor=request.user, request=request)
    messages.info(request, f"Key {key.name} ({key.prefix}…) revoked.")
    return redirect("accounts:api_keys")
