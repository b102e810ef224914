from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

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


class MemberTimeZoneMiddleware:
    """Shows times in the signed-in member's time zone (User.time_zone, set on the profile page): the
    zone is activated for the request, so templates' dates and `localtime` use it. Stored times stay UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = member_zone(user.time_zone) if user is not None and user.is_authenticated else None
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the thread serves other members next


def member_zone(name: str) -> ZoneInfo | None:
    """The zone called `name`; None for a name this system does not know (then times show in UTC)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
