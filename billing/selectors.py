import stripe
from django.db.models import QuerySet

from billing.models import Plan, Subscription
from billing.stripe_client import BillingUnavailable, stripe_api
from config.epoch import utc_from_epoch


def plan_list_public() -> QuerySet[Plan]:
    return Plan.objects.filter(is_public=True).order_by("sort_order", "id")


def invoice_list(*, tenant, limit: int = 12) -> list[dict]:
    """The tenant's recent invoices from Stripe (number, date, amount, status, link); [] without Stripe."""
    subscription = Subscription.objects.filter(tenant=tenant).exclude(stripe_customer_id="").first()
    if subscription is None:
        return []
    try:
        invoices = stripe_api().Invoice.list(customer=subscription.stripe_customer_id, limit=limit).data
    except (BillingUnavailable, stripe.StripeError):  # the page still answers when Stripe cannot
        return []
    return [{"number": i.get("number") or i["id"], "created": utc_from_epoch(i["created"]),
             "amount": (i.get("amount_paid") or i.get("amount_due") or 0) / 100, "currency": i["currency"].upper(),
             "status": i["status"], "url": i.get("hosted_invoice_url")}
            for i in (inv.to_dict() for inv in invoices)]
