"""Accounts' part of the public API: who am I (the tenant and the key's scope)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response


@extend_schema(responses=inline_serializer("Me", {
    "tenant": serializers.CharField(), "key_prefix": serializers.CharField(), "scope": serializers.CharField(),
}))
@api_view(["GET"])
def me(request):
    """The tenant the API key belongs to, and the key's prefix and scope."""
    key = request.auth
    return Response({"tenant": request.tenant.name, "key_prefix": key.prefix, "scope": key.scope})
