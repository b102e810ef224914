"""Backtests' part of the public API, under /api/v1/backtests/.

List the tenant's backtests, ask for one (queued on the `backtests` queue, or answered at once from
the cache), read its status and progress, its report (metrics, equity and drawdown curves), its
trades, and cancel it. Another tenant's backtest answers 404. Creating and cancelling need the key's
write scope; the service checks the plan's backtests a day and names every wrong parameter.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.schema import ERROR_REF
from backtests import selectors, services
from backtests.models import Backtest
from backtests.parameters import COSTS, MAX_BUDGET, METHODS, OBJECTIVES, STRATEGIES
from config.errors import NotPermitted
from market.timeframes import Timeframe
from watchlists.actors import actor_of_request


class BacktestSerializer(serializers.ModelSerializer):
    # Text, not an enum: the schema already has other "status" choice sets (alert rules, deliveries).
    status = serializers.CharField(help_text="queued, running, done, failed or cancelled.")
    symbol = serializers.CharField(source="instrument.symbol")
    metrics = serializers.SerializerMethodField(help_text="The report's figures (docs/backtest-metrics.md) "
                                                          "once done; a figure undefined for the run is null.")
    reasons = serializers.SerializerMethodField(help_text="Why each null figure is null.")

    class Meta:
        model = Backtest
        fields = ["id", "status", "progress", "symbol", "timeframe", "params", "metrics", "reasons", "error",
                  "created_at", "started_at", "finished_at"]

    def get_metrics(self, backtest) -> dict | None:
        return backtest.result["metrics"] if backtest.result else None

    def get_reasons(self, backtest) -> dict | None:
        return backtest.result["reasons"] if backtest.result else None


class BacktestReportSerializer(BacktestSerializer):
    equity = serializers.SerializerMethodField(help_text="[bar open time (epoch s), equity] at most 1,000 points.")
    drawdown_pct = serializers.SerializerMethodField(help_text="[bar open time (epoch s), drawdown %] (<= 0).")
    optimisation = serializers.SerializerMethodField(
        help_text="An optimised run's search (in sample): method, budget, objective, every trial {params, value} "
                  "in the order tried, the best, and the heatmap (xs fast, ys slow, rows[y][x], null where none).")

    class Meta(BacktestSerializer.Meta):
        fields = [*BacktestSerializer.Meta.fields, "equity", "drawdown_pct", "optimisation"]

    def get_optimisation(self, backtest) -> dict | None:
        return backtest.result.get("optimisation") if backtest.result else None

    def get_equity(self, backtest) -> list[list[float]] | None:
        return backtest.result["equity"] if backtest.result else None

    def get_drawdown_pct(self, backtest) -> list[list[float]] | None:
        return backtest.result["drawdown_pct"] if backtest.result else None


class BacktestTradeSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["long", "short"])
    size = serializers.FloatField(help_text="Units.")
    entry_time = serializers.IntegerField(help_text="Open time of the entry bar (epoch s).")
    exit_time = serializers.IntegerField()
    entry_price = serializers.FloatField()
    exit_price = serializers.FloatField()
    pnl = serializers.FloatField(help_text="In the instrument's quote currency, after commissions.")
    return_pct = serializers.FloatField()
    commission = serializers.FloatField()
    exit_reason = serializers.CharField()


class TradeListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = BacktestTradeSerializer(many=True)


class BacktestCreateSerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=list(STRATEGIES))
    symbol = serializers.CharField(max_length=24)
    timeframe = serializers.ChoiceField(choices=list(Timeframe.__members__))
    start = serializers.DateField(help_text="First day, inclusive (UTC).")
    end = serializers.DateField(help_text="Last day, exclusive (UTC).")
    cash = serializers.FloatField(required=False, help_text="Starting equity (default 10,000).")
    costs = serializers.ChoiceField(choices=list(COSTS), required=False,
                                    help_text="default: the paper broker's costs of the venue; none: free.")
    fast = serializers.IntegerField(required=False, help_text="sma_cross only: the fast average's bars.")
    slow = serializers.IntegerField(required=False, help_text="sma_cross only: the slow average's bars.")
    optimise = serializers.BooleanField(required=False, help_text="sma_cross only: also search fast x slow "
                                                                  "(heatmap) and walk forward out of sample.")
    method = serializers.ChoiceField(choices=list(METHODS), required=False,
                                     help_text="With optimise: grid (default; every pair of a fixed grid), random or "
                                               "bayesian (Optuna's TPE), over wider ranges, with a budget.")
    budget = serializers.IntegerField(required=False, help_text="random and bayesian only: the parameter sets to "
                                                                f"try, 1..{MAX_BUDGET} and within the plan's trials.")
    objective = serializers.ChoiceField(choices=list(OBJECTIVES), required=False,
                                        help_text="With optimise: the metric maximised (default sqn).")


LIMIT = OpenApiResponse(ERROR_REF, description="Today's backtests are used up (code plan_limit).")


class BacktestViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Backtest.objects.none()  # the tenant's come from backtests.selectors
    serializer_class = BacktestSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.backtest_list(tenant=actor_of_request(self.request).tenant)

    def get_object(self) -> Backtest:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        backtest = selectors.backtest_get(tenant=actor_of_request(self.request).tenant, pk=pk)
        if backtest is None:
            raise Http404
        return backtest

    @extend_schema(summary="Your backtests", description="The tenant's backtests, newest first, with their "
                                                         "status, progress and figures.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One backtest's report", responses=BacktestReportSerializer)
    def retrieve(self, request, pk=None):
        return Response(BacktestReportSerializer(self.get_object()).data)

    @extend_schema(summary="Run a backtest", request=BacktestCreateSerializer,
                   description="Queued on the backtests queue (poll its status), or done at once when the same "
                               "strategy version ran with the same parameters on the same data.",
                   responses={201: BacktestSerializer, 402: LIMIT})
    def create(self, request):
        serializer = BacktestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {key: value.isoformat() if key in ("start", "end") else value
                for key, value in serializer.validated_data.items()}
        actor = actor_of_request(request)
        backtest = services.backtest_create(tenant=actor.tenant, user=actor.credited_to, data=data)
        return Response(BacktestSerializer(backtest).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="A backtest's trades", responses=TradeListSerializer)
    @action(detail=True, methods=["get"])
    def trades(self, request, pk=None):
        backtest = self.get_object()
        trades = backtest.result["trades"] if backtest.result else []
        return Response({"count": len(trades), "results": trades})

    @extend_schema(summary="Cancel a backtest", request=None,
                   description="A queued or running backtest stops at its next check; a finished one is unchanged.",
                   responses={200: BacktestSerializer, 403: OpenApiResponse(ERROR_REF, description="Not its maker.")})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        backtest = self.get_object()
        actor = actor_of_request(request)
        maker = actor.credited_to is not None and backtest.created_by_id == actor.credited_to.pk
        if not (actor.manages or maker):
            raise NotPermitted("Only its maker, an owner or an admin may cancel a backtest.")
        services.backtest_cancel(backtest=backtest)
        backtest.refresh_from_db()
        return Response(BacktestSerializer(backtest).data)
