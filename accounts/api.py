"""Accounts' part of the public API: who am I (the tenant, and the key's prefix and scope)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from accounts.models import ApiKey, ApiKeyScope


class MeSerializer(serializers.Serializer):
    tenant = serializers.CharField(help_text="The name of the tenant the caller acts for.")
    key_prefix = serializers.CharField(allow_null=True, help_text="The API key's prefix; null for the website.")
    scope = serializers.ChoiceField(choices=ApiKeyScope.choices, allow_null=True,
                                    help_text="The API key's scope; null for the website (its role decides).")


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """The tenant the caller acts for, and the API key's prefix and scope (null through the website)."""
    key = request.auth if isinstance(request.auth, ApiKey) else None
    return Response(MeSerializer({"tenant": request.tenant.name, "key_prefix": key.prefix if key else None,
                                  "scope": key.scope if key else None}).data)
