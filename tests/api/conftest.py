import pytest

from accounts import services
from billing.models import Plan, Subscription


@pytest.fixture
def key_headers_for(db):
    """Headers with a new API key of `tenant` (`scope` read or write), the tenant subscribed to `plan`."""

    def make(tenant, *, scope: str = "read", plan: str = "pro") -> dict:
        Subscription.objects.update_or_create(tenant=tenant, defaults={"plan": Plan.objects.get(code=plan),
                                                                       "status": "active"})
        _, plaintext = services.api_key_create(tenant=tenant, name="bot", scope=scope, created_by=None)
        return {"Authorization": f"Bearer {plaintext}"}

    return make
