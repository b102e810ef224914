"""Writes of backtests: create (validated, within the plan's daily limit, reused from the cache), run, cancel.

The engine (backtests.engine) is pure; this module loads the bars from the database, runs it and
stores what it returns. A run is claimed with a conditional UPDATE, so a second delivery of its
task is a no-op; it reports progress into its row (its heartbeat: a run silent for
BACKTESTS_STALE_SECONDS lost its worker and is taken again) and stops when the row says cancelled.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

import numpy as np
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backtests.chunks import chunks_evaluator
from backtests.engine.simulation import BacktestRun, BacktestSettings, backtest_run
from backtests.engine.sizing import FixedRisk
from backtests.engine.strategies import BacktestCancelled, ConfluenceStrategy, Intent, SmaCross, Strategy
from backtests.feed import backtest_finished_message, backtest_message_send, backtest_progress_message
from backtests.metrics import backtest_metrics
from backtests.models import Backtest, BacktestStatus
from backtests.parameters import BacktestParams, BacktestParamsError, params_parse
from backtests.research import (
    monte_carlo_report,
    sma_optimisation_report,
    sma_search,
    sma_settings,
    sma_walk_forward_report,
)
from backtests.selectors import backtest_bars, backtest_cached, backtests_started_today, bars_hash
from billing.entitlements import limit_ensure_available, tenant_entitlements
from config.errors import InvalidInput
from market.models import Instrument
from market.selectors import instrument_get
from market.timeframes import Timeframe
from portfolios.broker.costs import FREE, cost_model_for
from signals.engine.confluence import MIN_BARS
from signals.engine.strategy import StrategyConfig
from signals.models import Strategy as StrategyRow
from signals.selectors import strategy_active

logger = logging.getLogger(__name__)
RUN_TASK = "backtests.tasks.backtest_run"
ENGINE_VERSION = "backtests-3"  # changes whenever the engine's results would change: old cache keys then miss
EQUITY_POINTS = 1_000  # the equity and drawdown curves stored, at most
Progress = Callable[[float, str], bool]  # (fraction of the whole run done, stage) -> whether to stop


def backtest_create(*, tenant, user, data: object) -> Backtest:
    """A queued backtest of `data` (backtests.parameters), or a done one reusing a cached result.
    InvalidInput names every wrong field (a search budget over the plan's trials too); PlanLimitReached when
    today's backtests are used up."""
    try:
        params = params_parse(data)
    except BacktestParamsError as error:
        raise InvalidInput("Some parameters are not valid.", fields=error.fields) from None
    trials = tenant_entitlements(tenant=tenant).optimisation_trials
    if params.budget is not None and params.budget > trials:
        raise InvalidInput("Some parameters are not valid.", fields={
            "budget": [f"Your plan allows up to {trials} trials per optimisation."]})
    instrument = instrument_get(symbol=params.symbol)
    if instrument is None:
        raise InvalidInput("Some parameters are not valid.", fields={"symbol": [f"No instrument {params.symbol}."]})
    bars = backtest_bars(instrument=instrument, params=params)
    needed = _bars_needed(params)
    if len(bars) < needed:
        raise InvalidInput("Some parameters are not valid.", fields={
            "start": [f"{len(bars)} closed {params.timeframe} bars in this range; the strategy needs {needed}."]})
    strategy_row = strategy_active() if params.strategy == "confluence" else None
    if params.strategy == "confluence" and strategy_row is None:
        raise InvalidInput("No confluence strategy is active.", fields={"strategy": ["No active version."]})
    limit_ensure_available(tenant=tenant, limit="backtests_per_day", used=backtests_started_today(tenant=tenant))
    data_hash = bars_hash(bars)
    key = cache_key(strategy_version=_strategy_version(params, strategy_row), data_hash=data_hash, params=params)
    cached = backtest_cached(cache_key=key)
    with transaction.atomic():
        backtest = Backtest.objects.create(
            tenant=tenant, created_by=user, instrument=instrument, strategy=strategy_row,
            timeframe=params.timeframe, params=params.as_dict(), data_hash=data_hash, cache_key=key)
        if cached is not None:
            now = timezone.now()
            Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.DONE, progress=100,
                                                          result=cached.result, started_at=now, finished_at=now)
            backtest.refresh_from_db()
        else:
            transaction.on_commit(lambda: _queue(backtest.pk))
    return backtest


def _queue(backtest_id: int) -> None:
    """Send the run to the `backtests` queue, by the task's name (tasks import this module, not the reverse)."""
    current_app.signature(RUN_TASK, kwargs={"backtest_id": backtest_id}).apply_async()


def backtest_cancel(*, backtest: Backtest) -> bool:
    """Ask a queued or running backtest to stop; whether it was still unfinished (then the tenant's
    backtests stream hears backtest.cancelled after the commit)."""
    cancelled = bool(Backtest.objects.filter(pk=backtest.pk, status__in=[BacktestStatus.QUEUED,
                                                                         BacktestStatus.RUNNING])
                     .update(status=BacktestStatus.CANCELLED, finished_at=timezone.now()))
    if cancelled:
        message = backtest_finished_message(backtest_id=backtest.pk, status=BacktestStatus.CANCELLED)
        transaction.on_commit(lambda: backtest_message_send(tenant_id=backtest.tenant_id, message=message))
    return cancelled


def backtest_execute(*, backtest_id: int) -> bool:
    """Run a queued backtest, or a running one whose worker went silent (BACKTESTS_STALE_SECONDS without
    progress: it died), from the start: claim it, run the engine, store the result; the tenant's
    backtests stream hears its progress and its end. False, having done nothing, while another worker
    reports progress on it (the caller asks again later: that worker may be dying); True otherwise."""
    now = timezone.now()
    stale = Q(status=BacktestStatus.RUNNING, heartbeat_at__lt=now - timedelta(seconds=settings.BACKTESTS_STALE_SECONDS))
    if not Backtest.objects.filter(Q(status=BacktestStatus.QUEUED) | stale, pk=backtest_id).update(
            status=BacktestStatus.RUNNING, started_at=now, heartbeat_at=now, progress=0):
        return not Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.RUNNING).exists()
    backtest = Backtest.objects.select_related("instrument", "strategy").get(pk=backtest_id)
    params = params_parse(backtest.params)
    progress = _progress_reporter(backtest_id, backtest.tenant_id)
    try:
        result = _report(backtest, params, progress)
    except BacktestCancelled:
        logger.info("backtest %s cancelled", backtest_id)  # backtest_cancel told the feed
        return True
    except Exception as error:  # recorded on the row for the subscriber; the task does not retry a bad run
        logger.exception("backtest %s failed", backtest_id)
        text = f"{error.__class__.__name__}: {error}"
        if Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.RUNNING).update(
                status=BacktestStatus.FAILED, error=text, finished_at=timezone.now()):
            backtest_message_send(tenant_id=backtest.tenant_id, message=backtest_finished_message(
                backtest_id=backtest_id, status=BacktestStatus.FAILED, error=text))
        return True
    if Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.RUNNING).update(
            status=BacktestStatus.DONE, progress=100, result=result, finished_at=timezone.now()):
        backtest_message_send(tenant_id=backtest.tenant_id, message=backtest_finished_message(
            backtest_id=backtest_id, status=BacktestStatus.DONE))
    return True


def _progress_reporter(backtest_id: int, tenant_id: int) -> Progress:
    """progress(fraction done, stage) -> whether to stop: stores the percent while the row is running and
    sends it to the feed when it changed; a row no longer running (cancelled) answers stop."""
    sent = {"percent": -1, "stage": ""}

    def progress(done: float, stage: str) -> bool:
        percent = max(0, min(99, int(done * 100)))
        if not Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.RUNNING).update(
                progress=percent, heartbeat_at=timezone.now()):
            return True
        if (percent, stage) != (sent["percent"], sent["stage"]):
            sent.update(percent=percent, stage=stage)
            backtest_message_send(tenant_id=tenant_id, message=backtest_progress_message(
                backtest_id=backtest_id, percent=percent, stage=stage))
        return False
    return progress


def _within(progress: Progress, start: float, end: float) -> Progress:
    """A stage's progress (0..1) as the whole run's, between `start` and `end`."""
    return lambda done, stage: progress(start + (end - start) * done, stage)


def _report(backtest: Backtest, params: BacktestParams, progress: Progress) -> dict[str, object]:
    """The stored result: the run's report, with the grid and the walk-forward when asked to optimise."""
    if not params.optimise:
        return backtest_result(_run(backtest, params, progress))
    run = _run(backtest, params, _within(progress, 0.0, 0.2))
    result = backtest_result(run)
    bars, spec = backtest_bars(instrument=backtest.instrument, params=params), backtest.instrument.spec
    settings = sma_settings(params, spec)
    search_progress = _within(progress, 0.2, 0.45)
    evaluate = chunks_evaluator(backtest=backtest, settings=settings,
                                should_stop=lambda: not Backtest.objects.filter(
                                    pk=backtest.pk, status=BacktestStatus.RUNNING).exists())
    found = sma_search(params, evaluate=evaluate, progress=lambda done: search_progress(done, "optimisation"))
    result["optimisation"] = sma_optimisation_report(found, method=params.method or "grid", budget=params.budget)
    walk = _within(progress, 0.45, 1.0)
    result["walk_forward"] = sma_walk_forward_report(bars, instrument=spec, params=params, settings=settings,
                                                     progress=lambda done: walk(done, "walk_forward"))
    return result


def _run(backtest: Backtest, params: BacktestParams, progress: Progress) -> BacktestRun:
    instrument: Instrument = backtest.instrument
    bars = backtest_bars(instrument=instrument, params=params)
    if bars_hash(bars) != backtest.data_hash:
        raise ValueError("the bars of this range changed since the backtest was asked for")
    spec = instrument.spec
    costs = cost_model_for(spec) if params.costs == "default" else FREE
    strategy: Strategy
    intents: list[Intent] | None = None
    n = len(bars)
    if params.strategy == "sma_cross":
        assert params.fast is not None and params.slow is not None
        sma = SmaCross(fast=params.fast, slow=params.slow)
        strategy, first_bar = sma, sma.warm_up()
        settings = sma_settings(params, spec)
        share = 0.0
    else:
        assert backtest.strategy is not None
        confluence = ConfluenceStrategy(config=StrategyConfig.from_dict(backtest.strategy.config))
        signals = confluence.signals(bars, instrument=spec, timeframe=Timeframe(params.timeframe),
                                     should_stop=lambda i: progress(0.9 * i / n, "signals"))
        intents = [confluence.intent_of(i, draft) for i, draft in signals]
        strategy, first_bar, share = confluence, MIN_BARS - 1, 0.9
        settings = BacktestSettings(cash=params.cash, costs=costs,
                                    sizing=FixedRisk(risk_per_trade=confluence.config.risk_per_trade))
    return backtest_run(bars, instrument=spec, timeframe=params.timeframe, strategy=strategy, settings=settings,
                        intents=intents, first_bar=first_bar,
                        should_stop=lambda j: progress(share + (1 - share) * j / n, "simulation"))


def backtest_result(run: BacktestRun) -> dict[str, object]:
    """What a finished run stores: metrics (with reasons for those undefined), the equity and drawdown
    curves (at most EQUITY_POINTS, evenly spaced, the last bar always in), and every trade."""
    metrics = backtest_metrics(run)
    points = np.unique(np.r_[np.linspace(0, len(run.equity) - 1, min(EQUITY_POINTS, len(run.equity))).astype(int),
                             len(run.equity) - 1])
    drawdown = 1 - run.equity / np.maximum.accumulate(run.equity)
    return {
        "metrics": metrics.values, "reasons": metrics.reasons,
        "equity": [[int(run.time[i]), round(float(run.equity[i]), 2)] for i in points],
        "drawdown_pct": [[int(run.time[i]), round(float(-drawdown[i] * 100), 4)] for i in points],
        "trades": [{"direction": "long" if t.direction > 0 else "short", "size": t.size, "entry_time": t.entry_time,
                    "exit_time": t.exit_time, "entry_price": t.entry_price, "exit_price": t.exit_price,
                    "pnl": round(t.pnl, 2), "return_pct": round(t.return_fraction * 100, 4),
                    "commission": round(t.commission, 2), "exit_reason": t.exit_reason} for t in run.trades],
        "signals": len(run.intents),
        "monte_carlo": monte_carlo_report(run),
    }


def cache_key(*, strategy_version: str, data_hash: str, params: BacktestParams) -> str:
    """SHA-256 of (strategy version, data hash, parameters)."""
    text = json.dumps([strategy_version, data_hash, params.as_dict()], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _strategy_version(params: BacktestParams, row: StrategyRow | None) -> str:
    if row is None:
        return f"{params.strategy}:{ENGINE_VERSION}"
    config = json.dumps(row.config, sort_keys=True)
    return f"confluence:{row.name}:v{row.version}:{hashlib.sha256(config.encode()).hexdigest()}:{ENGINE_VERSION}"


def _bars_needed(params: BacktestParams) -> int:
    """Bars a run needs: the warm-up and a few to trade."""
    if params.strategy == "sma_cross":
        return (params.slow or 0) + 2
    return MIN_BARS + 10
