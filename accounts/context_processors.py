from accounts.selectors import membership_list_for_user


def tenant(request) -> dict:
    """The active tenant and membership, and the user's other tenants, for every template."""
    context = {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "user_memberships": [],
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["user_memberships"] = list(membership_list_for_user(user=user))
    return context
