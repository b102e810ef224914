from datetime import timedelta

from django.conf import settings

from billing.entitlements import tenant_entitlements
from billing.models import Subscription, SubscriptionStatus


def entitlements(request) -> dict:
    """The active tenant's entitlements (templates never compare plan names) and a past-due notice."""
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"entitlements": None}
    context = {"entitlements": tenant_entitlements(tenant=tenant)}
    past_due = (Subscription.objects.filter(tenant=tenant, status=SubscriptionStatus.PAST_DUE)
                .select_related("plan").first())
    if past_due is not None and past_due.past_due_since is not None:
        context["billing_past_due"] = past_due
        context["billing_grace_ends"] = past_due.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS)
    return context
