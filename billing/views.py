"""Website of billing: pricing, the billing page, Checkout and Portal redirects, usage, the webhook."""

import stripe
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.tenancy import manager_ensure, tenant_required
from billing import selectors, services, sync
from billing.entitlements import tenant_entitlements
from billing.models import Plan
from billing.plan_features import plan_features
from billing.usage import usage_on
from config.errors import DomainError
from signals.site_selectors import confidence_live


def _plans_with_features(plans) -> list[dict]:
    """Each plan with what it includes and, for what it does not, the plan that does."""
    plans, live = list(plans), confidence_live()
    return [{"plan": plan, "features": plan_features(plan, plans=plans, confidence_live=live)} for plan in plans]


def pricing(request):
    current = tenant_entitlements(tenant=request.tenant).plan_code if getattr(request, "tenant", None) else None
    return render(request, "billing/pricing.html", {"plans": _plans_with_features(selectors.plan_list_public()),
                                                    "current_code": current})


@tenant_required
def billing(request):
    subscription = services.subscription_get_or_create(tenant=request.tenant)
    if request.GET.get("checkout") == "success":
        messages.info(request, "Thank you! Your plan changes as soon as Stripe confirms the payment.")
    effective = tenant_entitlements(tenant=request.tenant)
    offers = _plans_with_features(selectors.plan_list_public())
    return render(request, "billing/billing.html", {
        "subscription": subscription, "effective": effective,
        "invoices": selectors.invoice_list(tenant=request.tenant),
        "current": next((o for o in offers if o["plan"].code == effective.plan_code), None),
        # A live Stripe subscription changes plan in the Portal; Checkout would start a second one.
        "changes_in_portal": (bool(subscription.stripe_subscription_id)
                              and subscription.status in services.LIVE_STATUSES),
        "plans": [o for o in offers if not o["plan"].is_default and o["plan"].code != effective.plan_code],
    })


@tenant_required
@require_POST
def checkout(request, plan_code: str):
    manager_ensure(membership=request.membership, to="manage billing")
    plan = get_object_or_404(Plan, code=plan_code, is_public=True)
    try:
        url = services.checkout_session_create(tenant=request.tenant, user=request.user, plan=plan,
                                               interval=request.POST.get("interval", "month"))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing")
    return redirect(url)


@tenant_required
@require_POST
def portal(request):
    manager_ensure(membership=request.membership, to="manage billing")
    try:
        return redirect(services.portal_session_create(tenant=request.tenant))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing")


@tenant_required
def usage(request):
    return render(request, "billing/usage.html", {"usage": usage_on(tenant=request.tenant),
                                                  "effective": tenant_entitlements(tenant=request.tenant)})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's webhook: 400 with the reason for a bad signature or body (nothing changes), else 200."""
    try:
        outcome = sync.webhook_event_process(payload=request.body,
                                             signature=request.headers.get("Stripe-Signature", ""))
    except DomainError as error:
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    except stripe.StripeError as error:  # rolled back, nothing stored: Stripe retries the event
        return JsonResponse({"error": {"code": "stripe_unavailable",
                                       "message": f"Could not reach Stripe ({error.__class__.__name__}); retry."}},
                            status=503)
    return JsonResponse({"received": True, "outcome": outcome})
