"""Paper portfolios in the public API, under /api/v1/portfolios/.

Portfolios are listed, created (within the plan's `paper_portfolios`: 402 over it), changed (name,
risk limits), reset and deleted; each has its orders (list, place, cancel), positions with their P&L,
journal of closed trades (JSON, or CSV), risk panel, follow rules and drift report. Writes need a key's
write scope (or an owner's or admin's session); another tenant's portfolio answers 404. A bad order
is a 400 naming each field at fault; a circuit breaker's block is a 409 with its reasons.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.schema import ERROR_REF
from portfolios import drift, selectors, services
from portfolios.models import FollowRule, PaperOrder, Portfolio, Trade
from signals.models import Strategy
from watchlists.actors import actor_of_request

NO_CONFIDENCE_NOTE = ("Signals carry no confidence today (the model has not shown out-of-sample skill): a rule "
                      "with a min_confidence follows no signal, and Kelly sizing cannot size one.")
PORTFOLIOS_LIMIT = OpenApiResponse(ERROR_REF, description="Every paper portfolio the plan allows is in use "
                                                         "(code plan_limit, with limit, allowed, used, upgrade_url).")
BLOCKED = OpenApiResponse(ERROR_REF, description="A circuit breaker blocks the order (code circuit_breaker, with "
                                                 "`reasons`).")


class PortfolioSerializer(serializers.ModelSerializer):
    total_pnl = serializers.SerializerMethodField(help_text="Equity minus the starting balance.")

    class Meta:
        model = Portfolio
        fields = ["id", "name", "currency", "starting_balance", "cash", "equity", "unrealized_pnl", "total_pnl",
                  "gross_exposure", "daily_loss_limit", "max_open_positions", "max_cluster_exposure",
                  "correlation_threshold", "created_at", "reset_at", "marked_at"]

    def get_total_pnl(self, portfolio: Portfolio) -> float:
        return round(portfolio.equity - portfolio.starting_balance, 2)


class PortfolioWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    currency = serializers.CharField(max_length=3, required=False, default="USD")
    starting_balance = serializers.FloatField(required=False, default=100_000)
    daily_loss_limit = serializers.FloatField(required=False, allow_null=True,
                                              help_text="Fraction of the day's starting equity, e.g. 0.03.")
    max_open_positions = serializers.IntegerField(required=False, allow_null=True)
    max_cluster_exposure = serializers.FloatField(required=False, allow_null=True,
                                                  help_text="Fraction of equity in one correlated cluster, e.g. 0.5.")
    correlation_threshold = serializers.FloatField(required=False)


class TargetSerializer(serializers.Serializer):
    price = serializers.FloatField()
    fraction = serializers.FloatField(help_text="Part of the entry quantity it closes, e.g. 0.333.")


class OrderSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol")
    order_type = serializers.CharField(source="type")
    bracket = serializers.CharField(source="bracket_ref", help_text="The bracket's id; empty for a lone order.")
    parent = serializers.CharField(source="parent_ref", help_text="A bracket exit waits for this order to fill.")

    class Meta:
        model = PaperOrder
        fields = ["id", "symbol", "timeframe", "side", "quantity", "order_type", "limit_price", "stop_price",
                  "trail_amount", "trail_percent", "time_in_force", "status", "filled_quantity", "average_fill_price",
                  "role", "bracket", "parent", "reason", "signal", "placed_at"]


class OrderCreateSerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=24)
    side = serializers.CharField(max_length=4, help_text="buy or sell.")
    quantity = serializers.FloatField(help_text="Units: shares, coins, or currency units (1 forex lot = 100,000).")
    order_type = serializers.CharField(required=False, default="market",
                                       help_text="market, limit, stop, stop_limit or trailing_stop.")
    limit_price = serializers.FloatField(required=False, allow_null=True)
    stop_price = serializers.FloatField(required=False, allow_null=True)
    trail_amount = serializers.FloatField(required=False, allow_null=True)
    trail_percent = serializers.FloatField(required=False, allow_null=True)
    time_in_force = serializers.CharField(required=False, default="gtc", help_text="gtc, day or gtd.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="GTD: in market time.")
    timeframe = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                      help_text="The bars it fills on; default: the instrument's newest.")
    bracket = serializers.BooleanField(required=False, default=True, help_text="With a stop loss and targets.")
    stop_loss = serializers.FloatField(required=False, allow_null=True)
    targets = TargetSerializer(many=True, required=False, help_text="At most 3 take-profits.")
    trailing_stop = serializers.BooleanField(required=False, default=False)


class PositionSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    quantity = serializers.FloatField(source="position.quantity")
    average_price = serializers.FloatField(source="position.average_price")
    last_price = serializers.FloatField(source="position.last_price")
    unrealized_pnl = serializers.FloatField(allow_null=True, help_text="Portfolio currency; null when no FX close "
                                                                       "converts it.")
    market_value = serializers.FloatField(allow_null=True)
    initial_stop = serializers.FloatField(source="position.initial_stop", allow_null=True)
    signal = serializers.IntegerField(source="position.signal_id", allow_null=True)


class JournalTradeSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol")

    class Meta:
        model = Trade
        fields = ["id", "symbol", "side", "quantity", "entry_price", "exit_price", "opened_at", "closed_at",
                  "duration_seconds", "pnl", "costs", "initial_stop", "r_multiple", "mfe_r", "mae_r", "mfe_price",
                  "mae_price", "signal"]


class FollowRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowRule
        fields = ["id", "strategy", "asset_class", "min_confidence", "sizing", "risk_fraction", "amount",
                  "kelly_multiplier", "kelly_cap", "is_active", "created_at"]


class FollowRuleWriteSerializer(serializers.Serializer):
    strategy = serializers.IntegerField(required=False, allow_null=True)
    asset_class = serializers.CharField(required=False, allow_blank=True, default="")
    min_confidence = serializers.FloatField(required=False, allow_null=True, help_text=NO_CONFIDENCE_NOTE)
    sizing = serializers.CharField(required=False, default="fixed_fraction",
                                   help_text="fixed_fraction, fixed_amount or kelly. " + NO_CONFIDENCE_NOTE)
    risk_fraction = serializers.FloatField(required=False, default=0.01)
    amount = serializers.FloatField(required=False, allow_null=True)
    kelly_multiplier = serializers.FloatField(required=False, default=0.5)
    kelly_cap = serializers.FloatField(required=False, default=0.05)


RiskSerializer = inline_serializer("PortfolioRisk", {
    "marks": serializers.IntegerField(),
    "exposure_by_asset_class": serializers.DictField(child=serializers.DictField(child=serializers.FloatField())),
    "exposure_by_currency": serializers.DictField(child=serializers.FloatField()),
    "var": serializers.DictField(child=serializers.FloatField(allow_null=True),
                                 help_text="historical_95 ... parametric_99: one mark's loss as a fraction."),
    "cvar": serializers.DictField(child=serializers.FloatField(allow_null=True)),
    "max_drawdown": serializers.FloatField(), "max_drawdown_amount": serializers.FloatField(),
    "sharpe": serializers.FloatField(allow_null=True), "sortino": serializers.FloatField(allow_null=True),
    "periods_per_year": serializers.FloatField(),
    "limits": serializers.DictField(child=serializers.FloatField(allow_null=True)),
    "day_loss": serializers.FloatField(allow_null=True),
})
DriftSerializer = inline_serializer("PortfolioDrift", {
    "signal": serializers.IntegerField(), "symbol": serializers.CharField(),
    "trade": serializers.IntegerField(allow_null=True),
    "outcome_result": serializers.CharField(allow_null=True), "outcome_r": serializers.FloatField(allow_null=True),
    "ideal_r": serializers.FloatField(allow_null=True), "paper_gross_r": serializers.FloatField(allow_null=True),
    "paper_net_r": serializers.FloatField(allow_null=True),
    "entry_timing_r": serializers.FloatField(allow_null=True),
    "entry_slippage_r": serializers.FloatField(allow_null=True),
    "exit_slippage_r": serializers.FloatField(allow_null=True), "exit_fills_r": serializers.FloatField(allow_null=True),
    "costs_r": serializers.FloatField(allow_null=True), "notes": serializers.ListField(child=serializers.CharField()),
}, many=True)

OrdersChanged = inline_serializer("OrdersChanged", {"orders": OrderSerializer(many=True)})
NOT_OPEN = OpenApiResponse(ERROR_REF, description="The order is filled, cancelled or expired already.")
ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH)
RULE_ID = OpenApiParameter("rule_id", int, OpenApiParameter.PATH)
STATUS = OpenApiParameter("status", str, enum=["open", "closed"], description="Only open or only closed orders.")


def _valid(serializer_class: type[serializers.Serializer], request: Any, *, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return {k: v for k, v in serializer.validated_data.items() if not partial or k in request.data}


class PortfolioViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Portfolio.objects.none()  # the tenant's come from portfolios.selectors
    serializer_class = PortfolioSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.portfolio_list(tenant=self.request.tenant).order_by("-id")

    def get_object(self) -> Portfolio:
        return selectors.portfolio_get(tenant=self.request.tenant, pk=self.kwargs["pk"])

    @extend_schema(summary="Your paper portfolios", description="Newest first.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One paper portfolio", responses=PortfolioSerializer)
    def retrieve(self, request, pk=None):
        return Response(PortfolioSerializer(self.get_object()).data)

    @extend_schema(summary="Create a paper portfolio", request=PortfolioWriteSerializer,
                   responses={201: PortfolioSerializer, 402: PORTFOLIOS_LIMIT})
    def create(self, request):
        data = _valid(PortfolioWriteSerializer, request)
        portfolio = services.portfolio_create(actor=actor_of_request(request), name=data.pop("name", ""), **data)
        return Response(PortfolioSerializer(portfolio).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Rename a portfolio or change its risk limits", request=PortfolioWriteSerializer,
                   responses=PortfolioSerializer)
    def partial_update(self, request, pk=None):
        data = _valid(PortfolioWriteSerializer, request, partial=True)
        data.pop("currency", None), data.pop("starting_balance", None)  # fixed at creation (reset keeps them)
        portfolio = services.portfolio_update(actor=actor_of_request(request), portfolio=self.get_object(), **data)
        return Response(PortfolioSerializer(portfolio).data)

    @extend_schema(summary="Delete a portfolio", description="With its orders, positions and journal.",
                   responses={204: None})
    def destroy(self, request, pk=None):
        services.portfolio_delete(actor=actor_of_request(request), portfolio=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Reset a portfolio to its starting balance", request=None, responses=PortfolioSerializer,
                   description="Orders, fills, positions, cash entries, equity curve and journal are deleted.")
    @action(detail=True, methods=["post"])
    def reset(self, request, pk=None):
        portfolio = services.portfolio_reset(actor=actor_of_request(request), portfolio=self.get_object())
        return Response(PortfolioSerializer(portfolio).data)

    @extend_schema(methods=["GET"], summary="The portfolio's orders", parameters=[STATUS],
                   responses=OrderSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Place an order (a bracket by default)", request=OrderCreateSerializer,
                   responses={201: OrdersChanged, 409: BLOCKED},
                   description="A bracket is an entry with a stop loss and up to three targets (one cancels the "
                               "others); `bracket: false` places a lone order. Filled on the closed bars after the "
                               "instrument's newest one.")
    @action(detail=True, methods=["get", "post"])
    def orders(self, request, pk=None):
        portfolio = self.get_object()
        if request.method == "GET":
            status_filter = request.query_params.get("status")
            if status_filter not in (None, "open", "closed"):
                raise serializers.ValidationError({"status": ["open or closed."]})
            page = self.paginate_queryset(selectors.order_list(portfolio=portfolio, status=status_filter))
            return self.get_paginated_response(OrderSerializer(page, many=True).data)
        data = _valid(OrderCreateSerializer, request)
        placed = services.order_place(actor=actor_of_request(request), portfolio=portfolio,
                                      request=services.OrderRequest(**data))
        return Response({"orders": OrderSerializer(placed, many=True).data}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Cancel an open order", description="A bracket's entry takes its waiting exits along.",
                   parameters=[ORDER_ID], request=None, responses={200: OrdersChanged, 400: NOT_OPEN})
    @action(detail=True, methods=["post"], url_path=r"orders/(?P<order_id>[0-9]+)/cancel")
    def cancel(self, request, pk=None, order_id=None):
        order = selectors.order_get(portfolio=self.get_object(), pk=order_id)
        changed = services.order_cancel_by_subscriber(actor=actor_of_request(request), order=order)
        return Response({"orders": OrderSerializer(changed, many=True).data})

    @extend_schema(summary="Open positions with their P&L", responses=PositionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def positions(self, request, pk=None):
        return Response(PositionSerializer(selectors.position_rows(portfolio=self.get_object()), many=True).data)

    @extend_schema(summary="The journal of closed trades", responses=JournalTradeSerializer(many=True),
                   description="Newest first; R multiples against the stop at entry, MFE/MAE in R.")
    @action(detail=True, methods=["get"])
    def journal(self, request, pk=None):
        page = self.paginate_queryset(selectors.trade_list(portfolio=self.get_object()).order_by("-id"))
        return self.get_paginated_response(JournalTradeSerializer(page, many=True).data)

    @extend_schema(summary="The journal as CSV", responses={(200, "text/csv"): OpenApiResponse(
        response=str, description="One closed trade a line.")})
    @action(detail=True, methods=["get"], url_path="journal/csv", pagination_class=None)
    def journal_csv(self, request, pk=None):
        portfolio = self.get_object()
        response = HttpResponse(selectors.journal_csv(portfolio=portfolio), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="portfolio-{portfolio.pk}-journal.csv"'
        return response

    @extend_schema(summary="The risk panel", responses=RiskSerializer,
                   description="Exposure by asset class and currency; VaR and CVaR of one mark, historical and "
                               "parametric at 95 and 99%; max drawdown; annualised Sharpe and Sortino.")
    @action(detail=True, methods=["get"], pagination_class=None)
    def risk(self, request, pk=None):
        report = selectors.risk_report(portfolio=self.get_object())
        return Response(report.__dict__)

    @extend_schema(summary="Drift of the signals followed", responses=DriftSerializer,
                   description="The paper result beside the signal's recorded outcome and an ideal-fill replay, "
                               "in R, with the difference split into entry timing, spread and slippage, exit "
                               "fills and costs.")
    @action(detail=True, methods=["get"], pagination_class=None)
    def drift(self, request, pk=None):
        rows = drift.drift_report(portfolio=self.get_object())
        return Response([{
            "signal": r.signal.pk, "symbol": r.signal.instrument.symbol, "trade": r.trade.pk if r.trade else None,
            "outcome_result": r.outcome.result if r.outcome else None,
            "outcome_r": r.outcome.r_multiple if r.outcome else None, "ideal_r": r.ideal_r,
            "paper_gross_r": r.paper_gross_r, "paper_net_r": r.paper_net_r, "entry_timing_r": r.entry_timing_r,
            "entry_slippage_r": r.entry_slippage_r, "exit_slippage_r": r.exit_slippage_r,
            "exit_fills_r": r.exit_fills_r, "costs_r": r.costs_r, "notes": list(r.notes)} for r in rows])

    @extend_schema(methods=["GET"], summary="The portfolio's follow rules", responses=FollowRuleSerializer(many=True),
                   description=NO_CONFIDENCE_NOTE)
    @extend_schema(methods=["POST"], summary="Follow signals", request=FollowRuleWriteSerializer,
                   responses={201: FollowRuleSerializer}, description=NO_CONFIDENCE_NOTE)
    @action(detail=True, methods=["get", "post"], url_path="follow-rules", pagination_class=None)
    def follow_rules(self, request, pk=None):
        portfolio = self.get_object()
        if request.method == "GET":
            return Response(FollowRuleSerializer(selectors.follow_rule_list(portfolio=portfolio), many=True).data)
        data = _valid(FollowRuleWriteSerializer, request)
        strategy_id = data.pop("strategy", None)
        strategy = Strategy.objects.filter(pk=strategy_id).first() if strategy_id is not None else None
        if strategy_id is not None and strategy is None:
            raise serializers.ValidationError({"strategy": ["No such strategy."]})
        rule = services.follow_rule_create(actor=actor_of_request(request), portfolio=portfolio, strategy=strategy,
                                           **data)
        return Response(FollowRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Stop following by a rule", parameters=[RULE_ID], responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"follow-rules/(?P<rule_id>[0-9]+)")
    def follow_rule_delete(self, request, pk=None, rule_id=None):
        rule = selectors.follow_rule_list(portfolio=self.get_object()).filter(pk=int(rule_id or 0)).first()
        if rule is None:
            raise Http404("No such rule.")
        services.follow_rule_delete(actor=actor_of_request(request), rule=rule)
        return Response(status=status.HTTP_204_NO_CONTENT)
