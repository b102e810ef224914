"""The backtest pages: the tenant's backtests (and a compare of two or more), the form that starts one
(within the plan's backtests a day, every wrong field named), and a backtest's page: its progress live
over the feed's backtests stream, cancel, then its report (equity and drawdown, the engine's metrics,
trades, the Monte Carlo cone, and for an optimised run the heatmap and the walk-forward).

Backtests are read through backtests.selectors, so another tenant's is a 404. Any member may start one;
a queued or running one is cancelled by its maker, an owner or an admin.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tenancy import tenant_required
from backtests import selectors, services
from backtests.charts import heat_rows, lines_chart
from backtests.models import Backtest
from backtests.parameters import COSTS, OBJECTIVES, STRATEGIES
from backtests.presentation import METRIC_LABELS, compare_rows, metric_rows
from billing.entitlements import tenant_entitlements
from config.errors import InvalidInput, PlanLimitReached
from market.selectors import instrument_list
from market.timeframes import Timeframe
from portfolios.charts import line_chart
from watchlists.actors import actor_of_request

FORM_DEFAULTS = {"strategy": "sma_cross", "symbol": "GOOG", "timeframe": "D1", "start": "2004-08-19",
                 "end": "2013-03-02", "cash": "10000", "costs": "default", "fast": "10", "slow": "20",
                 "method": "grid", "budget": "50", "objective": "sqn"}
METHOD_LABELS = {"grid": "Grid: every fast × slow of a fixed grid", "random": "Random search (Optuna)",
                 "bayesian": "Bayesian search (Optuna's TPE)"}
TRADES_SHOWN = 500
COMPARE_MAX = 6


@tenant_required
def backtest_index(request):
    return render(request, "backtests/index.html", {
        "backtests": selectors.backtest_list(tenant=request.tenant)[:100],
        "allowance": selectors.backtest_allowance(tenant=request.tenant)})


@tenant_required
def backtest_new(request):
    allowance = selectors.backtest_allowance(tenant=request.tenant)
    values, errors = dict(FORM_DEFAULTS), {}
    if request.method == "POST":
        values = {field: request.POST.get(field, "").strip() for field in FORM_DEFAULTS}
        values["optimise"] = "on" if request.POST.get("optimise") else ""
        try:
            backtest = services.backtest_create(tenant=request.tenant, user=request.user, data=_form_data(values))
        except InvalidInput as refused:
            errors = refused.fields
            messages.error(request, refused.message)
        except PlanLimitReached as refused:
            messages.error(request, refused.message)
            allowance = selectors.backtest_allowance(tenant=request.tenant)
        else:
            return redirect("backtests:detail", backtest_id=backtest.pk)
    return render(request, "backtests/new.html", {
        "values": values, "errors": errors, "allowance": allowance, "strategies": STRATEGIES, "costs": COSTS,
        "methods": METHOD_LABELS.items(), "objectives": [(key, METRIC_LABELS[key]) for key in OBJECTIVES],
        "trials_allowed": tenant_entitlements(tenant=request.tenant).optimisation_trials,
        "timeframes": list(Timeframe.__members__), "instruments": instrument_list()}, status=400 if errors else 200)


def _form_data(values: dict[str, str]) -> dict[str, object]:
    """The form's text as backtests.parameters reads it: numbers as numbers (text that is not one is passed
    on, to be named as the wrong field), SMA lengths only for sma_cross, cash left out when empty, the
    search's method and objective only to optimise, and its budget only for a method that has one."""
    data: dict[str, object] = {field: values[field] for field in ("strategy", "symbol", "timeframe", "start", "end",
                                                                  "costs")}
    if values["cash"]:
        data["cash"] = _number(values["cash"], float)
    if values["strategy"] == "sma_cross":
        data.update(fast=_number(values["fast"], int), slow=_number(values["slow"], int))
        data["optimise"] = values["optimise"] == "on"
        if data["optimise"]:
            data.update({field: values[field] for field in ("method", "objective") if values[field]})
            if values["method"] not in ("", "grid") and values["budget"]:
                data["budget"] = _number(values["budget"], int)
    return data


def _number(text: str, kind: type) -> object:
    try:
        return kind(text)
    except ValueError:
        return text


def _backtest(request, backtest_id: int) -> Backtest:
    backtest = selectors.backtest_get(tenant=request.tenant, pk=backtest_id)
    if backtest is None:
        raise Http404("No such backtest.")
    return backtest


def _may_cancel(request, backtest: Backtest) -> bool:
    actor = actor_of_request(request)
    return not backtest.is_finished and (actor.manages or backtest.created_by_id == request.user.pk)


@tenant_required
def backtest_detail(request, backtest_id: int):
    backtest = _backtest(request, backtest_id)
    context = {"backtest": backtest, "may_cancel": _may_cancel(request, backtest)}
    if backtest.result:
        context.update(_report_context(backtest.result))
    return render(request, "backtests/detail.html", context)


def _report_context(result: dict) -> dict[str, object]:
    equity = [value for _, value in result["equity"]]
    context: dict[str, object] = {
        "metrics": metric_rows(result["metrics"], result.get("reasons", {})),
        "equity_chart": line_chart(equity, label="Equity"),
        "drawdown_chart": line_chart([value for _, value in result["drawdown_pct"]], label="Drawdown %",
                                     baseline=0.0),
        "trades": [{**t, "entry_at": _utc(t["entry_time"]), "exit_at": _utc(t["exit_time"])}
                   for t in result["trades"][:TRADES_SHOWN]],
        "trades_count": len(result["trades"]), "trades_shown": TRADES_SHOWN,
    }
    mc = result.get("monte_carlo")
    if mc:
        context["monte_carlo"] = mc
        context["cone_chart"] = lines_chart([(f"{p}th percentile", row) for p, row in zip(mc["percentiles"],
                                                                                           mc["cone"], strict=True)],
                                            label="Equity after each resampled trade")
    optimisation = result.get("optimisation")
    if optimisation:
        context["optimisation"] = optimisation
        context["heat"] = list(zip(optimisation["ys"], heat_rows(optimisation["rows"]), strict=True))
        context["method_label"] = METHOD_LABELS.get(optimisation.get("method", "grid"), "")
        context["objective_label"] = METRIC_LABELS.get(optimisation["objective"], optimisation["objective"])
    walk = result.get("walk_forward")
    if walk:
        context["walk_forward"] = walk
        context["walk_windows"] = [{**w, **{k: _utc(w[k]) for k in ("train_start", "train_end", "test_start",
                                                                     "test_end")}} for w in walk["windows"]]
        context["walk_chart"] = line_chart([value for _, value in walk["equity"]], label="Out-of-sample equity")
        context["walk_metrics"] = metric_rows(walk["metrics"] or {}, walk.get("reasons", {}))
    return context


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


@tenant_required
def backtest_status(request, backtest_id: int):
    """The backtest's state as JSON: what its page reads when it (re)connects to the feed, or without it."""
    backtest = _backtest(request, backtest_id)
    return JsonResponse({"id": backtest.pk, "status": backtest.status, "progress": backtest.progress,
                         "finished": backtest.is_finished, "error": backtest.error})


@tenant_required
@require_POST
def backtest_cancel(request, backtest_id: int):
    backtest = _backtest(request, backtest_id)
    if not _may_cancel(request, backtest):
        if not backtest.is_finished:
            messages.error(request, "Only its maker, an owner or an admin may cancel a backtest.")
        return redirect("backtests:detail", backtest_id=backtest.pk)
    if services.backtest_cancel(backtest=backtest):
        messages.success(request, "Backtest cancelled.")
    return redirect("backtests:detail", backtest_id=backtest.pk)


@tenant_required
def backtest_compare(request):
    ids = [int(raw) for raw in request.GET.getlist("ids") if raw.isdigit() and len(raw) < 18][:COMPARE_MAX]
    backtests = selectors.backtest_list_by_ids(tenant=request.tenant, ids=ids)
    done = [b for b in backtests if b.result]
    context: dict[str, object] = {"backtests": done, "compare_max": COMPARE_MAX}
    if len(done) >= 2:
        context["rows"] = compare_rows([b.result["metrics"] for b in done])
        context["equity_chart"] = lines_chart(
            [(f"#{b.pk} {b}", _growth([value for _, value in b.result["equity"]])) for b in done],
            label="Return % over each backtest's range", baseline=0.0)
    return render(request, "backtests/compare.html", context)


def _growth(equity: list[float]) -> list[float]:
    """Equity as % return from its start, so runs with different cash share a scale."""
    return [(value / equity[0] - 1) * 100 for value in equity] if equity and equity[0] else []
