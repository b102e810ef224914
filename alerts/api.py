"""Alerts' part of the public API: rules under /api/v1/alert-rules/, their events under /api/v1/alert-events/.

A rule is created, changed (PATCH, pausing and activating it too: `status`) and deleted here; it is
checked whole by alerts.services, which answers a message per field at fault, 402 when the plan has no
active place left and 403 for a channel the plan lacks. Events are read-only. Another tenant's rule or
event, or one that follows a watchlist you do not see, answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from alerts import selectors, services
from alerts.models import AlertEvent, AlertRule
from market.models import Instrument
from watchlists.actors import Actor, actor_of_request
from watchlists.selectors import watchlist_visible


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
                                 help_text="The series watched: close, rsi(14), ema(20), change(5), volume_ratio(20)...")
    op = serializers.CharField(allow_blank=True, required=False, default="",
                               help_text="above, below, crosses, crosses_up, crosses_down, outside, inside; "
                                         "published (signal); hits_target, hits_stop, closes (outcome).")
    right = serializers.CharField(allow_blank=True, required=False, default="",
                                  help_text="A series to compare with (indicator rules), e.g. ema(50), bollinger(20,2).")
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
                   responses={201: AlertRuleSerializer})
    def create(self, request):
        serializer = AlertRuleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = actor_of_request(request)
        rule = services.alert_rule_create(actor=actor, **_targets(actor, dict(serializer.validated_data)))
        return self._shown(rule, status.HTTP_201_CREATED)

    @extend_schema(summary="Change, pause or activate an alert rule", request=AlertRuleWriteSerializer,
                   responses=AlertRuleSerializer)
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
