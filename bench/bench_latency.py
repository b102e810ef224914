"""Latency from a bar closing to its signal being on the channel layer, one instrument (EURUSD H1).

Each step ingests the next real bar as closed (the closed-bar event, with the outcomes of open
signals evaluated eagerly, as its task would), runs the Premium tier's engine run for it (claim,
load bars, analyse with the model, store, ledger, publish), and a member of the Premium group
stamps the message as it arrives from the channel layer: the clock stops there, not after the
bookkeeping that follows the publication. Runs against DATABASE_URL (a throwaway test database)
and REDIS_URL's channel layer when set, else SQLite and in-memory. Prints p50 and p99 over the
steps that published a signal, and over all steps (for those, until the run returned).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
STEPS = 1000


def main() -> None:
    import logging

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def run() -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from config.celery_app import app
    from config.channel_sender import sender_loop
    from market.arrays import BarArrays
    from market.models import Instrument
    from market.services import FIXTURES, bars_ingest, instrument_catalogue_load
    from signals.confidence import model_train
    from signals.publishing import tier_group_name
    from signals.scheduling import engine_run_start

    app.conf.task_always_eager = True
    instrument_catalogue_load()
    eurusd = Instrument.objects.get(symbol="EURUSD")
    history = BarArrays.from_csv(FIXTURES / "EURUSD_H1.csv")
    start = len(history) - STEPS
    bars_ingest(instrument=eurusd, timeframe="H1", bars=history.upto(start - 1), source="bench")
    model_train()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(tier_group_name("premium"), channel)

    async def arrival():
        message = await layer.receive(channel)
        return time.perf_counter(), message

    waiting = asyncio.run_coroutine_threadsafe(arrival(), sender_loop())
    published, every = [], []
    for i in range(start, len(history)):
        bar = BarArrays(*(a[i:i + 1] for a in (history.time, history.open, history.high, history.low,
                                               history.close, history.volume)))
        closes_at = datetime.fromtimestamp(int(bar.time[0]) + 3600, tz=UTC)
        began = time.perf_counter()
        bars_ingest(instrument=eurusd, timeframe="H1", bars=bar, source="bench", emit_events=True, now=closes_at)
        run_ = engine_run_start(tier="premium", now=closes_at)  # autocommit: its chunk runs at once (eager)
        every.append(1000 * (time.perf_counter() - began))
        run_.refresh_from_db()
        if run_.signals_created:
            arrived, message = waiting.result(timeout=10)
            opened_at = datetime.fromtimestamp(int(bar.time[0]), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert message["data"]["bar_time"] == opened_at, "the message received is this step's signal"
            published.append(1000 * (arrived - began))
            waiting = asyncio.run_coroutine_threadsafe(arrival(), sender_loop())
    waiting.cancel()

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else float("nan")

    from django.db import connection

    backend = f"{connection.vendor} + {layer.__class__.__name__}"
    print(f"bar close -> signal on the channel layer, EURUSD H1, {backend}, {STEPS} real bars:")
    print(f"  steps that published a signal ({len(published)}): p50 {p(published, 50):.1f} ms, "
          f"p99 {p(published, 99):.1f} ms (target p99 < 100 ms)")
    print(f"  all steps ({len(every)}): p50 {p(every, 50):.1f} ms, p99 {p(every, 99):.1f} ms")


if __name__ == "__main__":
    main()
