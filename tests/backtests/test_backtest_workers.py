"""An optimisation spread over a real Celery worker on the `backtests` queue (a separate process, three pool
processes, the Redis broker): its chunks ran in more than one process, and the result is the serial one.

Three: the run holds one while it waits (and takes chunks nobody took yet); on a busy host
with only one other, that one, or the run itself, could take every chunk (CI, once)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from backtests import services
from backtests.models import Backtest, BacktestChunk, BacktestStatus
from billing.services import plan_catalogue_seed
from config.celery_app import app
from tests.backtests.test_backtest_search_services import BAYESIAN, serial_report
from tests.backtests.test_backtest_services import goog  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """This test's database (the test copy), for the worker process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def backtests_worker(tmp_path):
    """`celery worker -Q backtests -c 3` in its own process, on this test's database and broker."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: the worker and this test share the Redis broker")
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge("backtests")  # messages of earlier runs name rows that do not exist
    log = (tmp_path / "worker.log").open("w")
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "-Q", "backtests",
                               "-c", "3", "-P", "prefork", "-O", "fair", "-n", f"backtests-test-{os.getpid()}@%h",
                               "-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)
    log.close()


def test_an_optimisation_runs_its_chunks_in_several_worker_processes_with_the_serial_result(
        goog, tenant_a, alice, backtests_worker, tmp_path):  # noqa: F811
    plan_catalogue_seed()  # a transactional test's database starts without the migrations' rows if one ran before
    backtest = services.backtest_create(tenant=tenant_a, user=alice, data={**BAYESIAN, "budget": 24})

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not Backtest.objects.get(pk=backtest.pk).is_finished:
        time.sleep(0.5)
    backtest.refresh_from_db()

    log = (tmp_path / "worker.log").read_text()
    assert backtest.status == BacktestStatus.DONE, (backtest.status, backtest.error, log[-3000:])
    processes = {chunk.worker for chunk in BacktestChunk.objects.filter(backtest=backtest)}
    assert len(processes) > 1, processes
    assert all(worker.split(":")[-1] != str(os.getpid()) for worker in processes)  # all in the worker's processes
    assert backtest.result["optimisation"] == serial_report(backtest)
    assert backtest.result["optimisation"]["runs"] == 24
