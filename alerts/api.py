"""Alerts' part of the public API: rules under /api/v1/alert-rules/ and their events under
/api/v1/alert-events/; a member's webhook endpoints (with their delivery log, a test send and
redelivery) under /api/v1/webhook-endpoints/ and notifications under /api/v1/notifications/.

A rule is created, changed (PATCH, pausing and activating it too: `status`) and deleted here; it is
checked whole by alerts.services, which answers a message per field at fault, 402 when the plan has no
active place left and 403 for a channel the plan lacks. Events are read-only. Another tenant's rule or
event, or one that follows a watchlist you do not see, answers 404.

Webhook endpoints and notifications belong to a member: through the website, the signed-in member;
through an API key, the member who created the key (while they are a member of its tenant). Another
member's or tenant's object is a 404. Adding an endpoint needs "webhook" in the plan's alert channels
(403 not_entitled otherwise).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import ApiKey, Membership, User
from accounts.tenancy import get_for_tenant_or_404
from alerts import deliveries, destinations, notifications, selectors, services
from alerts.destinations import WEBHOOK_SECRET_PREFIX
from alerts.models import AlertEvent, AlertRule, Channel, Delivery, DeliveryAttempt, Destination, Notification
from api.schema import ERROR_REF
from config.errors import NotPermitted
from market.models import Instrument
from watchlists.actors import Actor, actor_of_request
from watchlists.selectors import watchlist_visible

ACTIVE_ALERTS_LIMIT = OpenApiResponse(ERROR_REF, description="Every active alert the plan allows is in use: pause "
                                                             "one or upgrade (code plan_limit).")
DESTINATIONS_LIMIT = OpenApiResponse(ERROR_REF, description="You have as many endpoints as a member may "
                                                            "(code plan_limit).")
TURNED_OFF = OpenApiResponse(ERROR_REF, description="The endpoint is turned off: turn it back on first.")
NOT_NOW = OpenApiResponse(ERROR_REF, description="The endpoint is turned off, or the delivery is being sent or "
                                                 "held for a digest right now.")


class AlertRuleSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.symbol", allow_null=True, default=None,
                                       help_text="The instrument watched; null for a watchlist or every instrument.")
    watchlist = serializers.IntegerField(source="watchlist_id", allow_null=True,
                                         help_text="The watchlist whose instruments are watched, as it changes.")
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    last_fired_at = serializers.DateTimeField(source="last_event_at", allow_null=True, default=None,
                                              help_text="When it last fired (its newest event).")

    class Meta:
        model = AlertRule
        fields = ["id", "name", "kind", "status", "paused_reason", "instrument", "watchlist", "timeframe", "left",
                  "op", "right", "value", "direction", "min_confidence", "asset_class", "channels",
                  "cooldown_seconds", "expires_at", "repeat", "last_fired_at", "created_by", "created_at",
                  "updated_at"]


class AlertRuleWriteSerializer(serializers.Serializer):
    """What a rule is made of. The values are checked by the service, field by field."""

    name = serializers.CharField(max_length=80)
    kind = serializers.CharField(help_text="price, percent_move, indicator, volume, signal or outcome.")
    instrument = serializers.CharField(allow_null=True, required=False, help_text="A symbol, e.g. GOOG.")
    watchlist = serializers.IntegerField(allow_null=True, required=False, help_text="A watchlist's id.")
    timeframe = serializers.CharField(allow_blank=True, required=False, default="",
                                      help_text="Bars watched (bar rules); a filter for signal and outcome rules.")
    left = serializers.CharField(allow_blank=True, required=False, default="",
                                 help_text="The series watched: close, rsi(14), ema(20), change(5),"
                                           " volume_ratio(20)...")
    op = serializers.CharField(allow_blank=True, required=False, default="",
                               help_text="above, below, crosses, crosses_up, crosses_down, outside, inside; "
                                         "published (signal); hits_target, hits_stop, closes (outcome).")
    right = serializers.CharField(allow_blank=True, required=False, default="",
                                  help_text="A series to compare with (indicator rules),"
                                            " e.g. ema(50), bollinger(20,2).")
    value = serializers.FloatField(allow_null=True, required=False, default=None)
    direction = serializers.CharField(allow_blank=True, required=False, default="", help_text="BUY, SELL or empty.")
    min_confidence = serializers.FloatField(allow_null=True, required=False, default=None)
    asset_class = serializers.CharField(allow_blank=True, required=False, default="")
    channels = serializers.ListField(child=serializers.CharField(max_length=20), max_length=10)
    cooldown_seconds = serializers.IntegerField(required=False, default=0)
    expires_at = serializers.DateTimeField(allow_null=True, required=False, default=None)
    repeat = serializers.CharField(required=False, default="every_time", help_text="once or every_time.")
    status = serializers.CharField(required=False, default="active", help_text="active or paused.")


def _targets(actor: Actor, data: dict) -> dict:
    """The symbol and watchlist id of the request, as the objects the service takes."""
    errors: dict[str, list[str]] = {}
    targets: dict[str, Any] = {}
    if "instrument" in data:
        symbol = data["instrument"]
        targets["instrument"] = None if not symbol else Instrument.objects.filter(symbol=symbol.upper()).first()
        if symbol and targets["instrument"] is None:
            errors["instrument"] = [f"No instrument {symbol[:24]!r}."]
    if "watchlist" in data:
        pk = data["watchlist"]
        targets["watchlist"] = None if pk is None else watchlist_visible(actor=actor).filter(pk=pk).first()
        if pk is not None and targets["watchlist"] is None:
            errors["watchlist"] = ["No such watchlist."]
    if errors:
        raise serializers.ValidationError(errors)
    return data | targets


class AlertRuleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = AlertRule.objects.none()  # the actor's rules come from alerts.selectors
    serializer_class = AlertRuleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.alert_rule_list(actor=actor_of_request(self.request)).annotate(
            last_event_at=Max("events__fired_at"))

    def get_object(self) -> AlertRule:
        return selectors.alert_rule_get(actor=actor_of_request(self.request), pk=self.kwargs["pk"])

    def _shown(self, rule: AlertRule, code: int = status.HTTP_200_OK) -> Response:
        return Response(AlertRuleSerializer(self.get_queryset().get(pk=rule.pk)).data, status=code)

    @extend_schema(summary="Your alert rules", description="Newest first.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One alert rule", responses=AlertRuleSerializer)
    def retrieve(self, request, pk=None):
        return self._shown(self.get_object())

    @extend_schema(summary="Create an alert rule", request=AlertRuleWriteSerializer,
                   responses={201: AlertRuleSerializer, 402: ACTIVE_ALERTS_LIMIT})
    def create(self, request):
        serializer = AlertRuleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = actor_of_request(request)
        rule = services.alert_rule_create(actor=actor, **_targets(actor, dict(serializer.validated_data)))
        return self._shown(rule, status.HTTP_201_CREATED)

    @extend_schema(summary="Change, pause or activate an alert rule", request=AlertRuleWriteSerializer,
                   responses={200: AlertRuleSerializer, 402: ACTIVE_ALERTS_LIMIT})
    def partial_update(self, request, pk=None):
        rule = self.get_object()
        serializer = AlertRuleWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        actor = actor_of_request(request)
        given = {field: value for field, value in serializer.validated_data.items() if field in request.data}
        rule = services.alert_rule_update(actor=actor, rule=rule, **_targets(actor, given))
        return self._shown(rule)

    @extend_schema(summary="Delete an alert rule", description="With its events.", responses={204: None})
    def destroy(self, request, pk=None):
        services.alert_rule_delete(actor=actor_of_request(request), rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertEventSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name")
    instrument = serializers.CharField(source="instrument.symbol", allow_null=True, default=None)

    class Meta:
        model = AlertEvent
        fields = ["id", "rule", "rule_name", "message", "instrument", "timeframe", "bar_time", "signal", "fired_at",
                  "left_value", "right_value", "created_at"]


class AlertEventQuerySerializer(serializers.Serializer):
    rule = serializers.IntegerField(required=False, min_value=1, help_text="Only this rule's events.")


class AlertEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = AlertEvent.objects.none()  # the actor's events come from alerts.selectors
    serializer_class = AlertEventSerializer

    def get_queryset(self):
        query = AlertEventQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        actor = actor_of_request(self.request)
        rule = query.validated_data.get("rule")
        events = selectors.alert_event_list(actor=actor)
        return events.filter(rule_id=rule) if rule else events

    @extend_schema(summary="Fired alerts", description="Newest first; `rule` keeps one rule's.",
                   parameters=[AlertEventQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One fired alert")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


# --- webhook endpoints and notifications: a member's own ---------------------------------------------

def request_member(request) -> User:
    """The member a request acts as for member-owned things: the signed-in member, or the key's creator."""
    if not isinstance(request.auth, ApiKey):
        return request.user
    creator = request.auth.created_by
    if creator is None or not Membership.objects.filter(tenant=request.tenant, user=creator).exists():
        raise NotPermitted("Alert channels belong to a member, and this key's creator is not a member of the "
                           "team any more: use a key a member created.")
    return creator


def secret_masked(secret: str) -> str:
    """A signing secret as lists and reads show it: its prefix and last four characters."""
    return f"{WEBHOOK_SECRET_PREFIX}…{secret[-4:]}" if secret else ""


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint; its signing secret in full only in the answer that created it (context `secret_shown`),
    masked everywhere else (the website's endpoint page shows it to its member)."""

    is_enabled = serializers.BooleanField(read_only=True, help_text="False once turned off (see disabled_reason).")
    secret = serializers.SerializerMethodField(help_text=(
        "Signs each request: see X-Beacon-Signature in docs/webhooks.md. In full only when the endpoint is "
        "created; masked (whsec_…last four) afterwards."))

    def get_secret(self, endpoint: Destination) -> str:
        return endpoint.secret if self.context.get("secret_shown") else secret_masked(endpoint.secret)

    class Meta:
        model = Destination
        fields = ["id", "url", "label", "secret", "is_enabled", "disabled_at", "disabled_reason", "failing_since",
                  "last_success_at", "created_at"]
        read_only_fields = ["id", "secret", "is_enabled", "disabled_at", "disabled_reason", "failing_since",
                            "last_success_at", "created_at"]
        extra_kwargs = {"url": {"help_text": "An https URL on a public address."}}


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
    retrieve=extend_schema(summary="One webhook endpoint (its signing secret masked)", parameters=[ID]),
    create=extend_schema(summary="Add a webhook endpoint", request=WebhookEndpointInputSerializer,
                         responses={201: WebhookEndpointSerializer, 402: DESTINATIONS_LIMIT}),
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
        return Response(WebhookEndpointSerializer(endpoint, context={"secret_shown": True}).data,
                        status=status.HTTP_201_CREATED)

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
                   responses={202: DeliverySerializer, 400: TURNED_OFF})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = deliveries.destination_test_send(destination=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Send one of the endpoint's deliveries again (same idempotency key)", request=None,
                   parameters=[ID, OpenApiParameter("delivery_id", int, OpenApiParameter.PATH)],
                   responses={202: DeliverySerializer, 400: NOT_NOW})
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
