from accounts import selectors

SESSION_TENANT_KEY = "active_tenant_id"


class TenantMiddleware:
    """Sets `request.tenant` and `request.membership`: the active tenant the user belongs to, or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = selectors.membership_active(user=user, tenant_id=request.session.get(SESSION_TENANT_KEY))
            if membership is not None:
                request.tenant = membership.tenant
                request.membership = membership
        return self.get_response(request)
