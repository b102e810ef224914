"""Billing's part of the public API: the tenant's plan, limits and today's usage."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from billing.entitlements import tenant_entitlements
from billing.usage import usage_on


class UsageSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="The code of the plan in effect.")
    limits = serializers.DictField(help_text="Every limit and feature of the plan, by name.")
    usage_today = serializers.DictField(child=serializers.IntegerField(),
                                        help_text="Each metered use today (UTC), by metric.")


@extend_schema(responses=UsageSerializer)
@api_view(["GET"])
def usage(request):
    """The plan, its limits and the tenant's usage today (UTC)."""
    entitlements = tenant_entitlements(tenant=request.tenant)
    limits = {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in asdict(entitlements).items()}
    return Response(UsageSerializer({"plan": entitlements.plan_code, "limits": limits,
                                     "usage_today": usage_on(tenant=request.tenant)}).data)
