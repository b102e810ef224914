from accounts.models import User
from accounts.selectors import membership_list_for_user


def tenant(request) -> dict:
    """The active tenant and membership, and the user's other tenants, for every template."""
    context = {
        "tenant": getattr(request, "tenant", None),
        "membership": getattr(request, "membership", None),
        "user_memberships": [],
    }
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:  # an API key's page (the API docs) has no member
        context["user_memberships"] = list(membership_list_for_user(user=user))
    return context
