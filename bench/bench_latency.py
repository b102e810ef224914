"""Latency from a bar closing to its signal being on the channel layer, one instrument (EURUSD H1).

Each step ingests the next real bar as closed, as a live poll does; the clock starts there. The
ingest emits the closed-bar event, whose engine task computes the pair at once (find it, claim it,
load bars, analyse with the model, store, ledger, publish) beside the task evaluating outcomes. A
member of the Premium group stamps the message as it arrives from the channel layer: the clock stops
there, not after the bookkeeping that follows the publication. Nothing but the event starts the run.

Two ways, each on a new throwaway test database of DATABASE_URL and on REDIS_URL's channel layer when
set, else SQLite and in-memory (the first way only); both unless `--in-process` or
`--through-worker` picks one:
- in one process: the event's Celery tasks run eagerly, in the ingest's process, one after the other;
- `--through-worker`, as in production: the event's tasks go through the broker to the engine's
  Celery worker (its own queue, prefork, 2 processes) started here.
Prints p50 and p99 over the steps that published a signal, and over all steps (for those: until the
run was seen finished, looked up every 20 ms through a worker), after WARM_UP steps. The worker's
log goes to var/bench_latency_worker.log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")  # as in production: no query log, no SQL formatted for it
STEPS = 1000
WARM_UP = 10
POLL_SECONDS = 0.02


def main() -> None:
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    ways = [way for way in ("--in-process", "--through-worker") if way in sys.argv] or ["--in-process",
                                                                                        "--through-worker"]
    for way in ways:
        through_worker = way == "--through-worker"
        if through_worker and (connection.vendor != "postgresql" or not os.environ.get("REDIS_URL")):
            print("bench_latency --through-worker: skipped, it needs DATABASE_URL=postgres://... and REDIS_URL")
            continue
        old = setup_databases(verbosity=0, interactive=False)
        before = reference_loop_ms()
        try:
            run(through_worker=through_worker)
        finally:
            teardown_databases(old, verbosity=0)
        print(f"  this host's speed in the same run: a fixed pure-Python loop took {before:.0f} ms before and "
              f"{reference_loop_ms():.0f} ms after; the figures above scale with it")


def reference_loop_ms() -> float:
    """Median of three timings of a fixed CPU-bound loop: how fast the shared host is right now."""
    timings = []
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for i in range(3_000_000):
            total += i * i
        timings.append(1000 * (time.perf_counter() - started))
    return statistics.median(timings)


def run(*, through_worker: bool) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.db import connection

    from config.celery_app import app
    from config.channel_sender import sender_loop
    from market.arrays import BarArrays
    from market.models import Instrument
    from market.providers.bundled import FIXTURES
    from market.services import bars_ingest, instrument_catalogue_load
    from signals.confidence import model_train
    from signals.models import EngineRun
    from signals.publishing import tier_group_name

    app.conf.task_always_eager = not through_worker
    app.loader.import_default_modules()  # the event's tasks, known by name, run eagerly in one process
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    start = len(history) - STEPS
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(start - 1), source="bench")
    model_train()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tier_group_name("premium"), channel)
    worker = start_worker(connection.settings_dict["NAME"]) if through_worker else None

    async def arrival():
        message = await layer.receive(channel)
        return time.perf_counter(), message

    waiting = asyncio.run_coroutine_threadsafe(arrival(), sender_loop())
    published, every = [], []
    try:
        for i in range(start, len(history)):
            bar = history.upto(i).tail(1)
            closes_at = datetime.fromtimestamp(int(bar.time[0]) + 3600, tz=UTC)
            runs_before = EngineRun.objects.count()
            began = time.perf_counter()
            bars_ingest(instrument=eurusd, timeframe="H1", bars=bar, source="bench", emit_events=True, now=closes_at)
            if through_worker:
                arrived_message, run_ = arrival_or_finished_run(waiting, after=runs_before)
            else:  # autocommit: the event's tasks ran eagerly when the ingest committed
                arrived_message, run_ = None, EngineRun.objects.order_by("pk")[runs_before]
            every.append(1000 * (time.perf_counter() - began))
            run_.refresh_from_db()
            if run_.signals_created:
                arrived, message = arrived_message or waiting.result(timeout=10)
                opened_at = datetime.fromtimestamp(int(bar.time[0]), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                assert message["data"]["bar_time"] == opened_at, "the message received is this step's signal"
                published.append(1000 * (arrived - began))
                waiting = asyncio.run_coroutine_threadsafe(arrival(), sender_loop())
    finally:
        waiting.cancel()
        async_to_sync(layer.group_discard)(tier_group_name("premium"), channel)  # or later runs send to it too
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    report(connection.vendor, layer, through_worker, published[WARM_UP:], every[WARM_UP:])


def start_worker(database_name: str) -> subprocess.Popen:
    """The engine's Celery worker as the Procfile runs it (its own queue, prefork), on the bench's test
    database; returns once it answers."""
    from config.celery_app import app

    url = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path=f"/{database_name}"))}
    app.control.purge()
    log = ROOT / "var" / "bench_latency_worker.log"
    log.parent.mkdir(exist_ok=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO", "--queues", "engine",
         "--concurrency", os.environ.get("BENCH_WORKER_CONCURRENCY", "2"), "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Celery worker did not start; see {log}")
    return worker


def arrival_or_finished_run(waiting, *, after: int):
    """Wait for the step's message or, if the run publishes none, for the run to finish (looked up
    every POLL_SECONDS, so the bench adds little load beside the worker)."""
    from signals.models import EngineRun

    arrived, deadline = None, time.monotonic() + 30
    while time.monotonic() < deadline:
        if arrived is None:
            with contextlib.suppress(concurrent.futures.TimeoutError):
                arrived = waiting.result(timeout=POLL_SECONDS)
        else:
            time.sleep(POLL_SECONDS)
        run_ = EngineRun.objects.order_by("pk")[after:after + 1].first()
        if run_ is not None and run_.finished_at is not None:
            return arrived, run_
    raise RuntimeError("the worker did not finish the engine run within 30 s")


def report(vendor: str, layer, through_worker: bool, published: list[float], every: list[float]) -> None:
    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else float("nan")

    how = "through the broker and a prefork worker" if through_worker else "in one process, tasks eager"
    print(f"bar close -> signal on the channel layer, EURUSD H1, {vendor} + {layer.__class__.__name__}, {how}, "
          f"{STEPS} real bars ({WARM_UP} warm-up):")
    print(f"  steps that published a signal ({len(published)}): p50 {p(published, 50):.1f} ms, "
          f"p99 {p(published, 99):.1f} ms (target p99 < 100 ms)")
    print(f"  all steps ({len(every)}): p50 {p(every, 50):.1f} ms, p99 {p(every, 99):.1f} ms")


if __name__ == "__main__":
    main()
