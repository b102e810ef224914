"""The one place that configures the official `stripe` library.

STRIPE_API_BASE points it at a local Stripe-compatible server in tests; in production it is unset
and the library talks to Stripe.
"""

from __future__ import annotations

import stripe
from django.conf import settings

from config.errors import DomainError


class BillingUnavailable(DomainError):
    code = "billing_unavailable"
    status = 503


def stripe_api():
    """The configured `stripe` module; BillingUnavailable when no secret key is set."""
    if not settings.STRIPE_SECRET_KEY:
        raise BillingUnavailable("Payments are not configured on this server (STRIPE_SECRET_KEY).")
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE or "https://api.stripe.com"
    stripe.max_network_retries = 2
    return stripe
