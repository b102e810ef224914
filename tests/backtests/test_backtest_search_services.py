"""An optimised SmaCross backtest by method (grid, random, bayesian): its search fields validated one by one and
within the plan's trials, its trials stored in the grid's form, evaluated in chunks with the serial result,
and a cancel honoured while it searches."""

import pytest

from backtests import chunks, services
from backtests.models import Backtest, BacktestChunk, BacktestChunkStatus, BacktestStatus
from backtests.parameters import params_parse
from backtests.research import sma_evaluator, sma_optimisation_report, sma_search, sma_settings
from backtests.selectors import backtest_bars
from billing.models import Plan
from config.errors import InvalidInput
from tests.backtests.test_backtest_services import SMA, create, goog  # noqa: F401

BAYESIAN = {**SMA, "start": "2010-01-01", "optimise": True, "method": "bayesian", "budget": 12,
            "objective": "sharpe"}


def serial_report(backtest: Backtest) -> dict:
    """The same search evaluated in this process, batch by batch, without chunks."""
    params = params_parse(backtest.params)
    bars = backtest_bars(instrument=backtest.instrument, params=params)
    evaluate = sma_evaluator(bars, instrument=backtest.instrument.spec, timeframe=params.timeframe,
                             settings=sma_settings(params, backtest.instrument.spec), objective="sharpe")
    found = sma_search(params, evaluate=evaluate, progress=lambda done: False)
    return sma_optimisation_report(found, method=params.method, budget=params.budget)


def test_search_fields_are_refused_one_by_one_and_nothing_is_written(goog, tenant_a, alice):  # noqa: F811
    cases = [
        ({"method": "genetic"}, "method"),
        ({"budget": 0}, "budget"),
        ({"budget": 1001}, "budget"),
        ({"budget": "many"}, "budget"),
        ({"budget": None}, "budget"),  # random and bayesian need one
        ({"method": "grid"}, "budget"),  # the grid tries every combination: no budget
        ({"objective": "colour"}, "objective"),
    ]
    for change, field in cases:
        data = {k: v for k, v in {**BAYESIAN, **change}.items() if v is not None}
        with pytest.raises(InvalidInput) as refused:
            services.backtest_create(tenant=tenant_a, user=alice, data=data)
        assert list(refused.value.fields) == [field], change
    plain = {**SMA, "method": "random", "budget": 5}
    with pytest.raises(InvalidInput) as refused:
        services.backtest_create(tenant=tenant_a, user=alice, data=plain)
    assert set(refused.value.fields) == {"method", "budget"}  # only with optimise
    assert not Backtest.objects.exists()


def test_a_budget_over_the_plans_trials_is_refused_on_the_budget(goog, tenant_a, alice):  # noqa: F811
    Plan.objects.filter(is_default=True).update(optimisation_trials=10)
    with pytest.raises(InvalidInput) as refused:
        services.backtest_create(tenant=tenant_a, user=alice, data={**BAYESIAN, "budget": 11})

    assert refused.value.fields == {"budget": ["Your plan allows up to 10 trials per optimisation."]}
    assert not Backtest.objects.exists()


def test_a_bayesian_run_stores_its_trials_and_the_heatmap_of_the_sampled_pairs_as_the_serial_search_does(
        goog, tenant_a, alice, eager_tasks, django_capture_on_commit_callbacks):  # noqa: F811
    backtest = create(tenant_a, alice, BAYESIAN, django_capture_on_commit_callbacks)
    backtest.refresh_from_db()

    assert backtest.status == BacktestStatus.DONE, backtest.error
    report = backtest.result["optimisation"]
    assert report == serial_report(backtest)
    assert (report["method"], report["budget"], report["objective"], report["runs"]) == ("bayesian", 12, "sharpe", 12)
    tried = [(t["params"]["fast"], t["params"]["slow"]) for t in report["trials"]]
    assert len(set(tried)) == 12 and all(fast < slow for fast, slow in tried)
    assert report["xs"] == sorted({fast for fast, _ in tried}) and report["ys"] == sorted({slow for _, slow in tried})
    filled = sum(value is not None for row in report["rows"] for value in row)
    assert filled == len({pair for pair, t in zip(tried, report["trials"], strict=True) if t["value"] is not None})
    chunk_rows = BacktestChunk.objects.filter(backtest=backtest)
    assert {c.status for c in chunk_rows} == {BacktestChunkStatus.DONE}
    assert sum(len(c.params) for c in chunk_rows) == 12 and max(len(c.params) for c in chunk_rows) == chunks.CHUNK_SIZE
    assert backtest.result["walk_forward"]["windows"]


def test_a_grid_run_keeps_its_36_cell_heatmap_and_lists_its_trials(goog, tenant_a, alice, eager_tasks,  # noqa: F811
                                                                   django_capture_on_commit_callbacks):
    backtest = create(tenant_a, alice, {**SMA, "start": "2010-01-01", "optimise": True},
                      django_capture_on_commit_callbacks)
    backtest.refresh_from_db()

    report = backtest.result["optimisation"]
    assert (report["method"], report["budget"], report["objective"]) == ("grid", None, "sqn")
    assert len(report["xs"]) * len(report["ys"]) == 36 and report["runs"] == len(report["trials"]) == 30


def test_a_run_cancelled_while_it_searches_stops_and_sends_no_more_chunks(goog, tenant_a, alice, eager_tasks,  # noqa: F811
                                                                         django_capture_on_commit_callbacks,
                                                                         monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        backtest = services.backtest_create(tenant=tenant_a, user=alice, data={**BAYESIAN, "budget": 40})
    real = services._progress_reporter

    def cancelled_in_the_search(backtest_id, tenant_id):
        report = real(backtest_id, tenant_id)

        def progress(done, stage):
            if stage == "optimisation" and BacktestChunk.objects.filter(backtest=backtest).count() >= 8:
                services.backtest_cancel(backtest=backtest)
            return report(done, stage)
        return progress

    monkeypatch.setattr(services, "_progress_reporter", cancelled_in_the_search)
    services.backtest_execute(backtest_id=backtest.pk)
    backtest.refresh_from_db()

    assert backtest.status == BacktestStatus.CANCELLED and backtest.result is None
    assert BacktestChunk.objects.filter(backtest=backtest).count() == 8  # two batches of 8 sets, then it stopped


def test_a_chunk_of_a_run_no_longer_running_is_left_undone(goog, tenant_a, alice, monkeypatch):  # noqa: F811
    monkeypatch.setattr(services, "_queue", lambda backtest_id: None)
    backtest = services.backtest_create(tenant=tenant_a, user=alice, data=BAYESIAN)
    chunk = BacktestChunk.objects.create(backtest=backtest, number=0, params=[{"fast": 5, "slow": 20}])

    chunks.backtest_chunk_execute(chunk_id=chunk.pk)  # the run is still queued, not running

    chunk.refresh_from_db()
    assert (chunk.status, chunk.candidates, chunk.worker) == (BacktestChunkStatus.QUEUED, None, "")
