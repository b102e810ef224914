"""The screener of the public API: the engine's newest state of every instrument and timeframe the
tenant's plan covers, as the engine runs left it (nothing is computed on request)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import api_view

from api.masking import ENGINE_STATE_FIELDS_SHOWN_BY, TierMaskedSerializer, hidden_fields
from api.pagination import CursorPagination
from billing.entitlements import Entitlements, feature_label, tenant_entitlements, upgrade_url
from config.errors import NotEntitled
from market.models import AssetClass
from market.timeframes import Timeframe
from signals.engine.regime import REGIMES
from signals.engine.sentiment import NEUTRAL_BAND
from signals.models import Direction, HigherTrend, Leaning
from signals.selectors import SCREENER_ORDERINGS, SCREENER_SENTIMENTS, screener_order_by, screener_rows

DEFAULT_ORDERING = "-abs_score"
DEFAULT_ORDERING_WITHOUT_SCORES = "symbol"  # for a plan that does not see the live scores
# The parameters that read a field, by field: a plan that hides the field may not filter or sort by it.
PARAMETERS_READING = {"score": {"min_abs_score": None, "ordering": ("score", "-score", "abs_score", "-abs_score")},
                      "leaning": {"leaning": None}}


class ScreenerQuerySerializer(serializers.Serializer):
    """The screener's filters and ordering, validated: a bad one is a 400 naming it."""

    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    timeframe = serializers.ChoiceField(choices=[t.value for t in Timeframe], required=False,
                                        help_text="One timeframe; one your plan does not cover has no rows.")
    leaning = serializers.ChoiceField(choices=Leaning.choices, required=False)
    regime = serializers.ChoiceField(choices=REGIMES, required=False)
    min_abs_score = serializers.FloatField(min_value=0, max_value=1, required=False,
                                           help_text="Only rows whose |score| is at least this, 0 to 1.")
    sentiment = serializers.ChoiceField(
        choices=list(SCREENER_SENTIMENTS), required=False,
        help_text=f"The news sentiment vote at the row's bar close: positive (>= {NEUTRAL_BAND}), negative "
                  f"(<= -{NEUTRAL_BAND}), neutral (fresh news in between), any (any fresh news) or none "
                  f"(no fresh news).",
        error_messages={"invalid_choice": f"\"{{input}}\" is not a sentiment; "
                                          f"use one of {', '.join(SCREENER_SENTIMENTS)}."})
    search = serializers.CharField(max_length=40, required=False, help_text="Part of the symbol or of its name.")
    ordering = serializers.ChoiceField(
        choices=SCREENER_ORDERINGS, required=False,
        help_text=f"The sort field, '-' first for descending; rows without the value come last. By default "
                  f"{DEFAULT_ORDERING} (strongest first), or {DEFAULT_ORDERING_WITHOUT_SCORES} for a plan that "
                  f"does not see the live scores, which may not sort or filter by score or leaning either.",
        error_messages={"invalid_choice": f"\"{{input}}\" is not a sort field; "
                                          f"use one of {', '.join(SCREENER_ORDERINGS)}."})


class TierSignalSerializer(serializers.Serializer):
    """The newest signal of a pair your plan has received."""

    id = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    created_at = serializers.DateTimeField()


class ScreenerRowSerializer(TierMaskedSerializer):
    """The engine's newest state of one instrument and timeframe; what your plan hides is null and named
    in `hidden_fields`. A plan that receives signals after a delay does not see the live score, leaning
    and contributions: they would tell it of a signal before its time."""

    fields_shown_by = ENGINE_STATE_FIELDS_SHOWN_BY

    symbol = serializers.CharField(source="instrument.symbol")
    name = serializers.CharField(source="instrument.display_name")
    asset_class = serializers.ChoiceField(source="instrument.asset_class", choices=AssetClass.choices)
    timeframe = serializers.CharField()
    bar_time = serializers.DateTimeField(help_text="Open time of the newest closed bar the engine computed.")
    close = serializers.FloatField()
    change_pct = serializers.FloatField(allow_null=True, help_text="The close over the previous close, in %.")
    score = serializers.FloatField(allow_null=True, help_text="Weighted confluence score in [-1, 1].")
    leaning = serializers.ChoiceField(choices=Leaning.choices, allow_null=True,
                                      help_text="long or short when |score| reaches the strategy's signal threshold.")
    regime = serializers.ChoiceField(choices=REGIMES)
    higher_timeframe = serializers.SerializerMethodField(help_text="The timeframe whose trend is `higher_trend`.")
    higher_trend = serializers.SerializerMethodField(help_text="EMA20 vs EMA50 there; null when not known.")
    rsi = serializers.FloatField(allow_null=True, help_text="RSI(14), 0 to 100.")
    atr_pct = serializers.FloatField(allow_null=True, help_text="ATR(14) as % of the close.")
    contributions = serializers.DictField(child=serializers.FloatField(allow_null=True), allow_null=True,
                                          help_text="Each component's part of the score (they add up to it).")
    news_vote = serializers.FloatField(
        allow_null=True, help_text="The news sentiment vote at the bar's close, -1 to 1 (recent items decayed by "
                                   "age, weighted by relevance); null when there was no fresh news.")
    news_items = serializers.IntegerField(help_text="How many news items the vote counted (0: no fresh news).")
    last_signal = serializers.SerializerMethodField(
        help_text="The newest signal of the pair released to your plan (after its delay), or null.")
    computed_at = serializers.DateTimeField()

    def get_higher_timeframe(self, row) -> str | None:
        higher = Timeframe(row.timeframe).higher
        return higher.value if higher else None

    @extend_schema_field(serializers.ChoiceField(choices=[HigherTrend.UP, HigherTrend.DOWN], allow_null=True))
    def get_higher_trend(self, row) -> str | None:
        return row.higher_trend or None

    @extend_schema_field(TierSignalSerializer(allow_null=True))
    def get_last_signal(self, row) -> dict | None:
        if row.tier_signal_id is None:
            return None
        return TierSignalSerializer({"id": row.tier_signal_id, "direction": row.tier_signal_direction,
                                     "created_at": row.tier_signal_created_at}).data


class ScreenerPageSerializer(serializers.Serializer):
    """A page of screener rows with the links to its neighbours."""

    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first.")
    results = ScreenerRowSerializer(many=True)


EXAMPLE_ROW = {
    "symbol": "EURUSD", "name": "EUR/USD", "asset_class": "forex", "timeframe": "H1",
    "bar_time": "2026-11-24T15:00:00Z", "close": 1.08412, "change_pct": 0.0923, "score": 0.5127, "leaning": "long",
    "regime": "trending_up", "higher_timeframe": "H4", "higher_trend": "up", "rsi": 61.37, "atr_pct": 0.1184,
    "contributions": {"trend": 0.163043, "adx": 0.057065, "macd": 0.108696, "rsi": 0.018851, "stochastic": 0.0,
                      "bollinger": -0.006522, "supertrend": 0.108696, "ichimoku": 0.081522, "vwap": 0.054348,
                      "volume": 0.0, "structure": 0.0, "pattern": 0.0, "chart_pattern": 0.0, "higher_trend": 0.163043},
    "news_vote": -0.4213, "news_items": 4,
    "last_signal": {"id": 4182, "direction": "BUY", "created_at": "2026-11-24T16:00:02Z"},
    "computed_at": "2026-11-24T16:00:02Z", "hidden_fields": [],
}


@extend_schema(
    operation_id="screener_list",
    parameters=[ScreenerQuerySerializer,
                OpenApiParameter("cursor", OpenApiTypes.STR, description="The cursor of a next or previous link."),
                OpenApiParameter("limit", OpenApiTypes.INT, description=CursorPagination.page_size_query_description)],
    responses=ScreenerPageSerializer,
    examples=[OpenApiExample("A page of one row", response_only=True,
                             value={"next": None, "previous": None, "results": [EXAMPLE_ROW]})],
)
@api_view(["GET"])
def screener(request):
    """The engine's newest state of each instrument and timeframe your plan covers: score, leaning,
    regime, the higher timeframe's trend, RSI, ATR %, the news sentiment vote and its item count, the last
    signal your plan has received; filtered,
    sorted (`ordering`, strongest |score| first by default) and paginated. A plan that receives signals
    after a delay sees the score, leaning and contributions as null (named in `hidden_fields`) and may not
    filter or sort by them (403 naming the parameter): they would tell it of a signal before its time."""
    query = ScreenerQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    entitlements = tenant_entitlements(tenant=request.tenant)
    parameters_hidden_refuse(query.validated_data, entitlements)
    filters = {name: value for name, value in query.validated_data.items() if name != "ordering"}
    ordering = query.validated_data.get("ordering") or (
        DEFAULT_ORDERING if entitlements.shows_live_scores else DEFAULT_ORDERING_WITHOUT_SCORES)
    paginator = CursorPagination()
    paginator.ordering = screener_order_by(ordering)
    rows = screener_rows(tenant=request.tenant, filters=filters, ordering=ordering, entitlements=entitlements)
    page = paginator.paginate_queryset(rows, request)
    data = ScreenerRowSerializer(page, many=True, context={"request": request, "entitlements": entitlements}).data
    return paginator.get_paginated_response(data)


def parameters_hidden_refuse(parameters: dict, entitlements: Entitlements) -> None:
    """NotEntitled (403, naming each parameter) if a filter or the ordering reads a field the plan hides:
    the rows it selects, or their order, would tell what the field hides."""
    hidden = hidden_fields(entitlements, ENGINE_STATE_FIELDS_SHOWN_BY)
    refused = {name: [f"Your plan hides `{field}`, so the screener cannot filter or sort by it."]
               for field in hidden for name, values in PARAMETERS_READING.get(field, {}).items()
               if parameters.get(name) not in (None, "") and (values is None or parameters[name] in values)}
    if refused:
        raise NotEntitled(f"Your {entitlements.plan_name} plan does not include "
                          f"{feature_label(feature='shows_live_scores')}. Upgrade to get them.",
                          fields=refused, feature="shows_live_scores", upgrade_url=upgrade_url())
