"""Backtests through the Django shell: created within the plan, run on the `backtests` queue's task,
reused from the cache, cancelled, refused with a reason per field, and kept inside their tenant."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backtests import selectors, services
from backtests.models import Backtest, BacktestStatus
from billing.models import Plan
from config.errors import InvalidInput, PlanLimitReached
from market.arrays import BarArrays
from market.models import Instrument
from market.providers.bundled import FIXTURES
from market.services import bars_ingest, instrument_catalogue_load
from tests.backtests.test_smacross_equivalence import RECORDED, THEIR_NAMES

SMA = {"strategy": "sma_cross", "symbol": "GOOG", "timeframe": "D1", "start": "2004-08-19", "end": "2013-03-02",
       "cash": 10_000, "costs": "none", "fast": 10, "slow": 20}


@pytest.fixture
def goog(db):
    instrument_catalogue_load()
    instrument = Instrument.objects.get(symbol="GOOG")
    bars_ingest(instrument=instrument, timeframe="D1", bars=BarArrays.from_csv(FIXTURES / "GOOG_D1.csv"),
                source="test")
    return instrument


def create(tenant, user, data, callbacks):
    with callbacks(execute=True):
        return services.backtest_create(tenant=tenant, user=user, data=data)


def test_a_backtest_runs_on_its_task_and_stores_backtesting_py_figures(goog, tenant_a, alice, eager_tasks,
                                                                        django_capture_on_commit_callbacks):
    backtest = create(tenant_a, alice, SMA, django_capture_on_commit_callbacks)
    backtest.refresh_from_db()

    assert (backtest.status, backtest.progress, backtest.error) == (BacktestStatus.DONE, 100, "")
    metrics = backtest.result["metrics"]
    assert metrics["trades"] == 93 and round(metrics["equity_final"], 2) == round(
        RECORDED["stats"][THEIR_NAMES["equity_final"]], 2)
    assert metrics["sqn"] == pytest.approx(RECORDED["stats"]["SQN"], rel=1e-9)
    assert len(backtest.result["trades"]) == 93 and backtest.result["equity"][-1][1] == round(
        RECORDED["equity"][-1], 2)


def test_the_same_parameters_on_the_same_data_reuse_the_result(goog, tenant_a, tenant_b, alice, charlie,
                                                                eager_tasks, django_capture_on_commit_callbacks):
    first = create(tenant_a, alice, SMA, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = services.backtest_create(tenant=tenant_b, user=charlie, data=SMA)

    first.refresh_from_db()
    assert queued == []  # nothing sent to the queue
    assert again.status == BacktestStatus.DONE and again.result == first.result and again.cache_key == first.cache_key
    other = create(tenant_a, alice, {**SMA, "fast": 5}, django_capture_on_commit_callbacks)
    assert other.cache_key != first.cache_key


def test_bad_parameters_are_refused_with_a_reason_per_field_and_nothing_is_written(goog, tenant_a, alice):
    bad = {**SMA, "timeframe": "D7", "start": "yesterday", "cash": -5, "fast": 30, "slow": 20, "colour": "red"}
    with pytest.raises(InvalidInput) as refused:
        services.backtest_create(tenant=tenant_a, user=alice, data=bad)

    assert set(refused.value.fields) == {"timeframe", "start", "cash", "slow", "params"}
    with pytest.raises(InvalidInput) as unknown:
        services.backtest_create(tenant=tenant_a, user=alice, data={**SMA, "symbol": "NOPE"})
    assert list(unknown.value.fields) == ["symbol"]
    with pytest.raises(InvalidInput) as short:
        services.backtest_create(tenant=tenant_a, user=alice, data={**SMA, "start": "2013-02-20"})
    assert "needs 22" in short.value.fields["start"][0]
    assert not Backtest.objects.exists()


def test_the_plans_daily_limit_refuses_one_more_and_writes_nothing(goog, tenant_a, alice):
    Plan.objects.filter(is_default=True).update(backtests_per_day=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_queue", lambda backtest_id: None)  # leave them queued: only the count matters
        for fast in (5, 6):
            services.backtest_create(tenant=tenant_a, user=alice, data={**SMA, "fast": fast})
        with pytest.raises(PlanLimitReached):
            services.backtest_create(tenant=tenant_a, user=alice, data={**SMA, "fast": 7})

    assert Backtest.objects.count() == 2


def test_a_cancelled_run_stops_and_stores_no_result(goog, tenant_a, alice, django_capture_on_commit_callbacks,
                                                    monkeypatch):
    with django_capture_on_commit_callbacks(execute=False):
        backtest = services.backtest_create(tenant=tenant_a, user=alice, data=SMA)
    reports = []
    real = services._progress_reporter

    def cancelled_after_the_first_report(backtest_id, tenant_id):
        report = real(backtest_id, tenant_id)

        def progress(done, stage):
            reports.append(done)
            if len(reports) == 2:  # the subscriber presses cancel while the run is going
                services.backtest_cancel(backtest=backtest)
            return report(done, stage)
        return progress

    monkeypatch.setattr(services, "_progress_reporter", cancelled_after_the_first_report)
    services.backtest_execute(backtest_id=backtest.pk)
    backtest.refresh_from_db()

    assert backtest.status == BacktestStatus.CANCELLED and backtest.result is None
    assert len(reports) == 2  # it stopped at the first check after the cancel (of 9 for 2,148 bars)
    services.backtest_execute(backtest_id=backtest.pk)  # a second delivery of the task does nothing
    backtest.refresh_from_db()
    assert backtest.status == BacktestStatus.CANCELLED


def test_a_tenant_never_reads_another_tenants_backtest(goog, tenant_a, tenant_b, alice, monkeypatch):
    monkeypatch.setattr(services, "_queue", lambda backtest_id: None)
    backtest = services.backtest_create(tenant=tenant_a, user=alice, data=SMA)

    assert selectors.backtest_get(tenant=tenant_a, pk=backtest.pk) == backtest
    assert selectors.backtest_get(tenant=tenant_b, pk=backtest.pk) is None
    assert list(selectors.backtest_list(tenant=tenant_b)) == []


def test_a_running_backtest_whose_worker_went_silent_is_taken_again_and_a_live_one_is_not(
        goog, tenant_a, alice, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):  # its task is not run here
        backtest = services.backtest_create(tenant=tenant_a, user=alice, data=SMA)
    live = timezone.now()
    Backtest.objects.filter(pk=backtest.pk).update(status=BacktestStatus.RUNNING, heartbeat_at=live, progress=40)

    assert services.backtest_execute(backtest_id=backtest.pk) is False  # its worker reports: ask again later
    assert Backtest.objects.get(pk=backtest.pk).progress == 40

    silent = live - timedelta(seconds=settings.BACKTESTS_STALE_SECONDS + 1)
    Backtest.objects.filter(pk=backtest.pk).update(heartbeat_at=silent)
    assert services.backtest_execute(backtest_id=backtest.pk) is True
    backtest.refresh_from_db()
    assert (backtest.status, backtest.progress) == (BacktestStatus.DONE, 100)
    assert backtest.heartbeat_at > silent
