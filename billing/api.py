"""Billing's part of the public API: the tenant's plan, limits and today's usage."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from billing.entitlements import tenant_entitlements
from billing.usage import usage_on


@extend_schema(responses=inline_serializer("Usage", {
    "plan": serializers.CharField(), "limits": serializers.DictField(), "usage_today": serializers.DictField(),
}))
@api_view(["GET"])
def usage(request):
    """The plan, its limits and the tenant's usage today (UTC)."""
    entitlements = tenant_entitlements(tenant=request.tenant)
    limits = {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in asdict(entitlements).items()}
    return Response({"plan": entitlements.plan_code, "limits": limits, "usage_today": usage_on(tenant=request.tenant)})
