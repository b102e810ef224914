"""A Celery worker killed (SIGKILL, with its pool child) in the middle of an engine run, an alert
delivery and a backtest: another worker completes the work, no signal is stored twice, no delivery is
recorded twice, and a webhook the dead worker had sent goes again with the same idempotency key.

Real `celery worker` processes on a redis-server of the test's own, as in production: late acks, so a
task whose worker died is never acknowledged, and the Redis transport gives it to another worker once
it was taken CELERY_VISIBILITY_TIMEOUT_SECONDS ago (3 here, an hour by default). Each test stops the
first worker at a known point without any hook in the code: the engine waits for the ledger's lock,
which the test holds; the delivery waits for a receiver that does not answer; the backtest waits for
its row, which the test locks while it runs."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest
from django.db import connection

from alerts.deliveries import deliveries_create_for_event
from alerts.models import Channel, Delivery, DeliveryStatus
from backtests import services as backtest_services
from backtests.models import Backtest, BacktestStatus
from billing.services import plan_catalogue_seed
from market.demo_seed import market_demo_seed
from signals.ledger import LEDGER_LOCK_ID
from signals.models import EngineCursor, EngineRun, LedgerEntry, LedgerKind, Signal
from signals.services import strategy_default_ensure
from signals.tasks import engine_run_tier
from tests.alerts.conftest import alert_event, destination, subscribe
from tests.faults.processes import WEB_PORTS, CeleryWorker, database_url, free_port_in, process_env, wait_for

pytestmark = pytest.mark.postgres  # the kill points are PostgreSQL locks

VISIBILITY_SECONDS = 3


@pytest.fixture
def workers(broker, transactional_db, tmp_path):
    """start(name, queues): a worker on this test's database and the private broker; all killed at the end."""
    env = process_env(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]), REDIS_URL=broker.url,
        CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_SECONDS), CELERY_UNACKED_RESTORE_SECONDS="1",
        ALERTS_CLAIM_LEASE_SECONDS="2", BACKTESTS_STALE_SECONDS="2", ALERTS_OUTBOUND_ALLOW_HTTP="true",
        ALERTS_OUTBOUND_ALLOW_LOOPBACK="true", ALERTS_SEND_TIMEOUT_SECONDS="60")
    started: list[CeleryWorker] = []

    def start(name: str, queues: str) -> CeleryWorker:
        started.append(CeleryWorker(env, tmp_path / f"{name}.log", queues=queues, name=name).start())
        return started[-1]

    yield start
    for worker in started:
        worker.kill()


def own_connection() -> psycopg.Connection:
    return psycopg.connect(database_url(connection.settings_dict["NAME"]).replace("postgres://", "postgresql://"),
                           autocommit=True)


def lock_waiters(kind: str) -> int:
    """Sessions of this database waiting for a lock of `kind` (pg_locks' locktype)."""
    with own_connection() as db:
        return db.execute("SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = %s "
                          "AND NOT granted AND datname = current_database()", [kind]).fetchone()[0]


@contextmanager
def ledger_held():
    """The ledger's advisory lock, held by a session of the test: a signal being stored waits for it."""
    with own_connection() as db:
        db.execute("SELECT pg_advisory_lock(%s)", [LEDGER_LOCK_ID])
        yield
        db.execute("SELECT pg_advisory_unlock(%s)", [LEDGER_LOCK_ID])


def test_an_engine_run_killed_mid_run_completes_on_another_worker_with_each_signal_stored_once(workers):
    plan_catalogue_seed()
    market_demo_seed(hold_back=0)  # five instruments with a closed bar the engine has not computed
    strategy_default_ensure()
    first = workers("first", "engine")
    with ledger_held():
        engine_run_tier.delay("premium")  # what Beat sends
        wait_for(lambda: lock_waiters("advisory") == 1, what="the run to wait for the ledger, mid-signal")
        first.kill()
    assert not EngineRun.objects.exists() and not Signal.objects.exists()  # rolled back with its worker

    workers("second", "engine")
    wait_for(lambda: EngineRun.objects.filter(pairs_computed=5, finished_at__isnull=False).exists(), seconds=90,
             what="the run to complete on the second worker")

    runs = list(EngineRun.objects.all())
    signals = Signal.objects.all()
    assert all(run.finished_at is not None for run in runs)
    assert signals.count() == sum(run.signals_created for run in runs) > 0  # each signal counted once
    assert LedgerEntry.objects.filter(kind=LedgerKind.SIGNAL).count() == signals.count()
    assert signals.values("instrument", "timeframe", "bar_time").distinct().count() == signals.count()
    assert EngineCursor.objects.count() == 5  # every pair computed: none was lost with the first worker


class SilentFirstReceiver(ThreadingHTTPServer):
    """A webhook receiver on 127.0.0.1 that keeps every request and leaves the first unanswered until
    `release` (its sender is dead by then); it answers the others 200 at once."""

    daemon_threads = True

    def __init__(self):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.released = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
                self.received.append(({k.lower(): v for k, v in handler.headers.items()}, body))
                if len(self.received) == 1:
                    self.released.wait(60)
                handler.send_response(200)
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", free_port_in(WEB_PORTS)), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()


@pytest.fixture
def silent_first_receiver():
    receiver = SilentFirstReceiver()
    yield receiver
    receiver.close()


def test_an_alert_delivery_killed_mid_send_is_sent_by_another_worker_with_the_same_idempotency_key(
        workers, tenant_a, alice, silent_first_receiver):
    plan_catalogue_seed()
    subscribe(tenant_a, "premium")
    receiver = silent_first_receiver
    destination(tenant=tenant_a, member=alice, channel=Channel.WEBHOOK, url=receiver.url + "/hook")
    first = workers("first", "alerts")
    [delivery] = deliveries_create_for_event(  # its task goes to the broker once the deliveries are stored
        event=alert_event(tenant=tenant_a, member=alice, channels=["webhook"]))
    wait_for(lambda: len(receiver.received) == 1, what="the first worker's request to arrive")
    first.kill()  # the request arrived; its answer never will
    receiver.released.set()

    workers("second", "alerts")
    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT, seconds=90,
             what="the delivery to be sent by the second worker")

    delivery.refresh_from_db()
    keys = [headers["idempotency-key"] for headers, _ in receiver.received]
    assert keys == [str(delivery.idempotency_key)] * 2  # the contract: at least once, one key to drop a copy by
    assert receiver.received[0][1] == receiver.received[1][1]  # the same message
    assert uuid.UUID(keys[0])
    assert Delivery.objects.filter(event=delivery.event).count() == 1
    assert delivery.attempts == 2 and delivery.log.count() == 1  # the dead worker's attempt got no answer
    assert delivery.log.get().outcome == "sent"


OPTIMISED_SMA = {"strategy": "sma_cross", "symbol": "GOOG", "timeframe": "D1", "start": "2004-08-19",
                 "end": "2013-03-02", "cash": 10_000, "costs": "none", "fast": 10, "slow": 20,
                 "optimise": True}  # a grid and a walk-forward: long, reporting progress all along


def row_locked_while_running(db: psycopg.Connection, backtest_id: int) -> bool:
    """Lock the backtest's row if it is running (the transaction stays open: its worker's next progress
    report waits); False, holding nothing, if it is not running yet."""
    db.execute("BEGIN")
    status = db.execute("SELECT status FROM backtests_backtest WHERE id = %s FOR UPDATE", [backtest_id]).fetchone()[0]
    if status == BacktestStatus.RUNNING:
        return True
    db.execute("ROLLBACK")
    assert status == BacktestStatus.QUEUED, f"the backtest is {status} before it could be stopped"
    return False


def test_a_backtest_killed_mid_run_is_run_again_by_another_worker_and_stored_once(workers, tenant_a, alice):
    plan_catalogue_seed()
    subscribe(tenant_a, "premium")
    market_demo_seed(hold_back=0)
    first = workers("first", "backtests")
    backtest = backtest_services.backtest_create(tenant=tenant_a, user=alice, data=OPTIMISED_SMA)
    with own_connection() as db:
        wait_for(lambda: row_locked_while_running(db, backtest.pk), what="the backtest to run")
        wait_for(lambda: lock_waiters("transactionid") >= 1, what="its progress report to wait for the row")
        first.kill()
        db.execute("ROLLBACK")
    assert Backtest.objects.get(pk=backtest.pk).status == BacktestStatus.RUNNING  # and nobody runs it

    workers("second", "backtests")
    wait_for(lambda: Backtest.objects.get(pk=backtest.pk).status == BacktestStatus.DONE, seconds=120,
             what="the backtest to finish on the second worker")

    backtest.refresh_from_db()
    assert backtest.progress == 100 and backtest.error == ""
    assert backtest.result["metrics"]["trades"] == len(backtest.result["trades"])
    assert backtest.result["optimisation"] and backtest.result["walk_forward"]
    assert Backtest.objects.count() == 1
