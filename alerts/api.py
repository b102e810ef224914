"""Alert deliveries' part of the public API: a member's webhook endpoints (with their delivery log, a
test send and redelivery) and notifications (read, unread count).

Both belong to a member: through the website, the signed-in member; through an API key, the member
who created the key (while they are a member of its tenant). Another member's or tenant's object is
a 404. Adding an endpoint needs "webhook" in the plan's alert channels (403 not_entitled otherwise).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import ApiKey, Membership, User
from accounts.tenancy import get_for_tenant_or_404
from alerts import deliveries, destinations, notifications, selectors
from alerts.models import Channel, Delivery, DeliveryAttempt, Destination, Notification
from config.errors import NotPermitted


def request_member(request) -> User:
    """The member a request acts as for member-owned things: the signed-in member, or the key's creator."""
    if not isinstance(request.auth, ApiKey):
        return request.user
    creator = request.auth.created_by
    if creator is None or not Membership.objects.filter(tenant=request.tenant, user=creator).exists():
        raise NotPermitted("Alert channels belong to a member, and this key's creator is not a member of the "
                           "team any more: use a key a member created.")
    return creator


class WebhookEndpointSerializer(serializers.ModelSerializer):
    is_enabled = serializers.BooleanField(read_only=True, help_text="False once turned off (see disabled_reason).")

    class Meta:
        model = Destination
        fields = ["id", "url", "label", "secret", "is_enabled", "disabled_at", "disabled_reason", "failing_since",
                  "last_success_at", "created_at"]
        read_only_fields = ["id", "secret", "is_enabled", "disabled_at", "disabled_reason", "failing_since",
                            "last_success_at", "created_at"]
        extra_kwargs = {"url": {"help_text": "An https URL on a public address."},
                        "secret": {"help_text": "Signs each request: see X-Beacon-Signature in docs/webhooks.md."}}


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    # Named like Field.label, which DRF's serializer metaclass takes out of the class: mypy cannot know.
    label = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")  # type: ignore[assignment]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "duration_ms", "outcome", "request", "response_status", "response", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    attempts_log = DeliveryAttemptSerializer(source="log", many=True, read_only=True)
    event_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Delivery
        fields = ["id", "event_id", "is_test", "idempotency_key", "status", "attempts", "last_error", "created_at",
                  "next_attempt_at", "sent_at", "attempts_log"]


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    event_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "event_id", "title", "text", "url", "created_at", "read_at", "is_read"]


ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(summary="Your webhook endpoints"),
    retrieve=extend_schema(summary="One webhook endpoint, with its signing secret", parameters=[ID]),
    create=extend_schema(summary="Add a webhook endpoint", request=WebhookEndpointInputSerializer),
    update=extend_schema(summary="Change an endpoint's URL and label", request=WebhookEndpointInputSerializer,
                         parameters=[ID]),
    partial_update=extend_schema(summary="Change an endpoint's URL or label", request=WebhookEndpointInputSerializer,
                                 parameters=[ID]),
    destroy=extend_schema(summary="Remove a webhook endpoint", parameters=[ID]),
)
class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = WebhookEndpointSerializer
    queryset = Destination.objects.none()

    def get_queryset(self):
        return selectors.destination_list(tenant=self.request.tenant, member=request_member(self.request),
                                          channel=Channel.WEBHOOK)

    def create(self, request):
        data = self._input(request, partial=False)
        endpoint = destinations.webhook_endpoint_create(tenant=request.tenant, member=request_member(request),
                                                        url=data["url"], label=data.get("label", ""))
        return Response(WebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        endpoint = self.get_object()
        data = self._input(request, partial=request.method == "PATCH")
        destinations.webhook_endpoint_update(destination=endpoint, url=data.get("url"), label=data.get("label"))
        return Response(WebhookEndpointSerializer(endpoint).data)

    def partial_update(self, request, pk=None):
        return self.update(request, pk)

    def destroy(self, request, pk=None):
        destinations.destination_delete(destination=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="The endpoint's delivery log, newest first, with each attempt", parameters=[ID],
                   responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(selectors.delivery_log(destination=self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(summary="Send the endpoint a test alert (queued)", parameters=[ID], request=None,
                   responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = deliveries.destination_test_send(destination=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Send one of the endpoint's deliveries again (same idempotency key)", request=None,
                   parameters=[ID, OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
                   responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/redeliver")
    def redeliver(self, request, pk=None, delivery_id=None):
        delivery = get_for_tenant_or_404(Delivery.objects.filter(destination=self.get_object()),
                                         tenant=request.tenant, pk=delivery_id)
        delivery = deliveries.delivery_redeliver(delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Turn a turned-off endpoint back on", parameters=[ID], request=None,
                   responses=WebhookEndpointSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        endpoint = destinations.destination_enable(destination=self.get_object())
        return Response(WebhookEndpointSerializer(endpoint).data)

    def _input(self, request, *, partial: bool) -> dict:
        serializer = WebhookEndpointInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return {k: v for k, v in serializer.validated_data.items() if k in request.data or not partial}


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first", parameters=[
        OpenApiParameter("unread", bool, description="Only the unread ones.")]),
    retrieve=extend_schema(summary="One notification", parameters=[ID]),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def get_queryset(self):
        return selectors.notification_list(tenant=self.request.tenant, member=request_member(self.request),
                                           unread_only=self.request.query_params.get("unread") in ("1", "true"))

    @extend_schema(summary="Mark a notification read", parameters=[ID], request=None,
                   responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notifications.notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(summary="Mark every notification read", request=None,
                   responses=inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = notifications.notifications_mark_all_read(tenant=request.tenant, member=request_member(request))
        return Response({"marked": marked})

    @extend_schema(summary="How many notifications are unread",
                   responses=inline_serializer("NotificationsUnread", {"unread": serializers.IntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": selectors.notification_unread_count(tenant=request.tenant,
                                                                        member=request_member(request))})
