"""Alert evaluation and delivery speed on PostgreSQL (DATABASE_URL must point at one; the bench uses its own
database).

100,000 active rules on 1,000 instruments (100 on each, H1: price, percent move, indicator and volume
conditions, at levels set from the close before; a third with a cooldown, a tenth firing once), made by
the 2 members of each of 100 tenants (Free plan), 7 in 10 delivered in-app and 3 in 10 in-app and by
email; then one closed bar on every instrument. Medians over RUNS of:
1. End to end: the 1,000 closed-bar events handled one after the other as a worker takes them
   (alerts.tasks.alerts_on_bar_closed): the first claims the close of every instrument, loads rules and
   bars, evaluates, stores the events and creates every Delivery of the close (queued, in the same
   transaction), and after the commit puts their send tasks and the close's prices task on the broker;
   the 999 others find their instrument done in the claim the worker remembers. Target: under 1 s on one
   core, to Delivery rows queued. Shown with its parts: the rules' load (alerts.selectors.bar_rules_for),
   the bars' load (bars_latest_arrays), the evaluation (bar_rules_evaluate), the events' storage with what
   follows it in the transaction (alerts.event_books.events_store), of which the deliveries' rows
   (alerts.deliveries.deliveries_create_for_events), and the sends put on the broker (deliveries_queue, after
   the commit).
2. The same without deliveries (events stored only): what the rules side costs alone.
3. The same with the deliveries made one event at a time (deliveries_create_for_events per event), the
   baseline of the batch.
4. The pure evaluation alone: alerts.evaluation.bar_rules_evaluate on the same rules and bars in memory.
5. The loads alone: the rules (alerts.selectors.bar_rules_for) and the bars (bars_latest_arrays).
6. Baseline in the same run: the same close evaluated one instrument at a time (bar_rules_fire for each).
The process freezes the objects it holds before the runs out of the garbage collector's full passes, as a
worker process does at its start (config.celery_app.startup_objects_freeze): the bench's own set-up (100,000
rule instances) is not a worker's to scan.
The baselines (3, 6, and 2) take minutes a run: BENCH_BASELINE_RUNS of them (default RUNS).
The broker is BENCH_BROKER_URL (a Redis database no worker reads, e.g. redis://127.0.0.1:6379/15: the
bench empties its `alerts` queue after each run), else Celery's in-memory transport.
Data are synthetic (seeded) and labelled so.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")  # Django keeps no log of the queries
INSTRUMENTS, RULES_EACH, TENANTS, MEMBERS_EACH, HISTORY = 1000, 100, 100, 2, 300
RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # of each measure
BASELINE_RUNS = int(os.environ.get("BENCH_BASELINE_RUNS", str(RUNS)))  # of 2, 3 and 6: a minute or more a run
EMAIL_SHARE = 0.3  # rules delivered by email as well as in-app


def main() -> None:
    import django

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_alerts needs DATABASE_URL=postgres://...")
    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from config.celery_app import app

    app.conf.broker_url = os.environ.get("BENCH_BROKER_URL", "memory://")

    old = setup_databases(verbosity=0, interactive=False)  # a throwaway test_<name> database
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def rule_rows(rng, closes) -> list[dict]:
    """RULES_EACH conditions on one instrument, at levels a member would set from the close before."""
    last = float(closes[-2])
    mix = [
        lambda: {"kind": "price", "left": "close", "op": "above", "value": last * (1 + rng.uniform(0.0, 0.03))},
        lambda: {"kind": "price", "left": "close", "op": "below", "value": last * (1 - rng.uniform(0.0, 0.03))},
        lambda: {"kind": "price", "left": "close", "op": rng.choice(["crosses", "crosses_up", "crosses_down"]),
                 "value": last * (1 + rng.uniform(-0.02, 0.02))},
        lambda: {"kind": "indicator", "left": "rsi(14)", "op": "above", "value": rng.uniform(65, 85)},
        lambda: {"kind": "indicator", "left": "rsi(14)", "op": "below", "value": rng.uniform(15, 35)},
        lambda: {"kind": "indicator", "left": "ema(20)", "op": rng.choice(["crosses_up", "crosses_down"]),
                 "right": "ema(50)"},
        lambda: {"kind": "indicator", "left": "close", "op": "outside", "right": "bollinger(20,2)"},
        lambda: {"kind": "indicator", "left": "macd(12,26,9)", "op": "crosses", "right": "macd_signal(12,26,9)"},
        lambda: {"kind": "percent_move", "left": "change(5)", "op": "above", "value": rng.uniform(1, 5)},
        lambda: {"kind": "percent_move", "left": "abs_change(3)", "op": "above", "value": rng.uniform(1, 5)},
        lambda: {"kind": "volume", "left": "volume_ratio(20)", "op": "above", "value": rng.uniform(1.5, 4)},
        lambda: {"kind": "volume", "left": "volume_z(20)", "op": "above", "value": rng.uniform(1.5, 3.5)},
    ]
    rows = [mix[int(rng.integers(len(mix)))]() for _ in range(RULES_EACH)]
    for row in rows:  # a third wait an hour between firings, one in ten fire once
        draw = rng.random()
        row |= {"cooldown_seconds": 3600} if draw < 0.3 else {"repeat": "once"} if draw < 0.4 else {}
    return rows


def run() -> None:
    import numpy as np
    from django.db import connection
    from django.test import override_settings

    from accounts.models import Membership, Tenant, User
    from alerts import deliveries, firing, services, tasks
    from alerts.evaluation import bar_rules_evaluate, lookback_bars
    from alerts.models import AlertBarCursor, AlertEvent, AlertRule, Delivery
    from alerts.selectors import bar_rules_for
    from billing.models import UsageCounter
    from config.celery_app import app, startup_objects_freeze
    from config.epoch import utc_from_epoch
    from market.arrays import BarArrays
    from market.models import BarClose, Instrument
    from market.selectors import bars_latest_arrays
    from market.services import bars_ingest_many
    from market.synthetic import synthetic_bars

    instruments = Instrument.objects.bulk_create(
        Instrument(symbol=f"SYN{i:04d}", display_name=f"Synthetic {i}", asset_class="crypto", venue="synthetic",
                   base_currency=f"S{i}", quote_currency="USD", price_precision=2, tick_size=0.01,
                   calendar="ALWAYS", is_synthetic=True) for i in range(INSTRUMENTS))
    series = [synthetic_bars(count=HISTORY + 1, seed=i, gap_probability=0.0) for i in range(INSTRUMENTS)]
    bars_ingest_many(timeframe="H1", items=[(inst, bars.upto(HISTORY - 1)) for inst, bars in
                                            zip(instruments, series, strict=True)], source="bench")
    tenants = Tenant.objects.bulk_create(Tenant(name=f"Bench {i}", slug=f"bench-{i}") for i in range(TENANTS))
    members = User.objects.bulk_create(User(email=f"member{i}@bench.example", is_active=True)
                                       for i in range(TENANTS * MEMBERS_EACH))
    Membership.objects.bulk_create(Membership(tenant=tenants[i % TENANTS], user=user)
                                   for i, user in enumerate(members))
    rng = np.random.default_rng(7)
    rules = []
    for i, (instrument, bars) in enumerate(zip(instruments, series, strict=True)):
        for j, row in enumerate(rule_rows(rng, bars.close)):
            n = i * RULES_EACH + j
            channels = ["in_app", "email"] if rng.random() < EMAIL_SHARE else ["in_app"]
            rules.append(AlertRule(tenant=tenants[n % TENANTS], created_by=members[n % (TENANTS * MEMBERS_EACH)],
                                   name="bench", instrument=instrument, timeframe="H1", channels=channels, **row))
    AlertRule.objects.bulk_create(rules, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"data: {INSTRUMENTS} synthetic instruments x {HISTORY} H1 bars, {len(rules):,} active rules of "
          f"{TENANTS} tenants of {MEMBERS_EACH} members (SYNTHETIC); broker {app.conf.broker_url.split('://')[0]}")

    newest = [bars.tail(1) for bars in series]
    closes_at = int(newest[0].time[0]) + 3600
    with override_settings(BAR_CLOSED_TASKS=[]):  # the closes are recorded; the bench sends their events
        bars_ingest_many(timeframe="H1", items=list(zip(instruments, newest, strict=True)), source="bench",
                         emit_events=True, now=utc_from_epoch(closes_at))
    closed = list(BarClose.objects.filter(timeframe="H1").values_list("instrument_id", "time"))
    assert len(closed) == INSTRUMENTS

    def reset() -> None:
        """Undo a run: its events, deliveries, claims, usage, the state of the rules it fired and the send
        tasks it put on the broker; then vacuum, so that no run pays for the dead rows of the one before
        (autovacuum's work in a live database)."""
        Delivery.objects.all().delete()
        AlertEvent.objects.all().delete()
        AlertBarCursor.objects.all().delete()
        firing.claims_forget()  # the claims are gone: this process must not remember them
        UsageCounter.objects.all().delete()
        AlertRule.objects.exclude(last_fired_at=None, status="active").update(last_fired_at=None, status="active",
                                                                             paused_reason="")
        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge("alerts")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE alerts_alertrule, alerts_alertevent, alerts_alertbarcursor, alerts_delivery")

    spent: dict[str, float] = {}

    def timed(name: str, call):
        """`call`, adding the seconds it takes to spent[name]."""
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    def one_at_a_time(*, events, recipients=None):
        for event in events:
            deliveries.deliveries_create_for_events(events=[event], recipients=recipients)

    def nothing(*, events, recipients=None):
        return []

    def close(deliver) -> tuple[float, float, dict[str, float]]:
        """One close, its 1,000 events one after the other, with `deliver` as what creates the deliveries:
        (seconds in all, seconds of the first event, seconds spent in the timed parts and this process's CPU
        seconds as "cpu": the database's are not counted)."""
        reset()
        spent.clear()
        services.deliveries_create_for_events = timed("rows", deliver)
        deliveries.deliveries_queue = timed("broker", queue)
        try:
            started, cpu_started = time.perf_counter(), time.process_time()
            for position, (instrument_id, bar_time) in enumerate(closed):
                tasks.alerts_on_bar_closed(instrument_id=instrument_id, timeframe="H1",
                                           time=int(bar_time.timestamp()))
                if position == 0:
                    first = time.perf_counter() - started
            return time.perf_counter() - started, first, spent | {"cpu": time.process_time() - cpu_started}
        finally:
            services.deliveries_create_for_events = batch
            deliveries.deliveries_queue = queue

    batch, queue = deliveries.deliveries_create_for_events, deliveries.deliveries_queue
    steps = {"rule_load": "bar_rules_for", "bar_load": "bars_latest_arrays", "evaluation": "bar_rules_evaluate",
             "events": "events_store"}
    for name, attribute in steps.items():  # the parts of the first event, timed where alerts.firing calls them
        setattr(firing, attribute, timed(name, getattr(firing, attribute)))
    startup_objects_freeze()
    load_before = os.getloadavg()
    end_to_end = [close(batch) for _ in range(RUNS)]
    stored = AlertEvent.objects.count()
    made = Delivery.objects.filter(status="queued").count()
    assert made == Delivery.objects.count() > stored

    def ms(values) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    def part(runs, name: str) -> str:
        return ms([parts.get(name, 0.0) for _, _, parts in runs])

    print(f"load average (1, 5, 15 min) before the runs: {load_before[0]:.1f} {load_before[1]:.1f} "
          f"{load_before[2]:.1f}; after the end-to-end runs: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"one closed bar on {INSTRUMENTS} instruments, {len(rules):,} rules, {stored:,} events stored "
          f"({stored / len(rules):.1%} fired), {made:,} deliveries queued; medians over {RUNS} runs "
          f"({BASELINE_RUNS} of the baselines):")
    print(f"  end to end, {INSTRUMENTS} closed-bar events to Delivery rows queued and their sends on the broker: "
          f"{ms([r[0] for r in end_to_end])} (target < 1000 ms; each run: "
          f"{', '.join(f'{r[0] * 1000:.0f}' for r in end_to_end)}); the first event (claims, evaluates, stores all): "
          f"{ms([r[1] for r in end_to_end])}; this process's CPU time (not the database's): {part(end_to_end, 'cpu')}")
    print(f"    of which the rules' load {part(end_to_end, 'rule_load')}, "
          f"the bars' load {part(end_to_end, 'bar_load')}, the evaluation {part(end_to_end, 'evaluation')}, "
          f"the events stored with their deliveries and usage {part(end_to_end, 'events')}")
    print(f"    of which the deliveries' rows (one batch): {part(end_to_end, 'rows')}; "
          f"their {made:,} sends put on the broker after the commit: {part(end_to_end, 'broker')}")
    sys.stdout.flush()  # the baselines below take minutes

    events_only = [close(nothing) for _ in range(BASELINE_RUNS)]
    per_event = [close(one_at_a_time) for _ in range(BASELINE_RUNS)]
    assert Delivery.objects.count() == made

    bar_time = closed[0][1]
    ids = [i.pk for i in instruments]
    moment = bar_time + timedelta(hours=1)
    rule_load, bar_load, pure = [], [], []
    for _ in range(RUNS):
        reset()
        started = time.perf_counter()
        loaded = bar_rules_for(instrument_ids=ids, timeframe="H1", moment=moment)
        rule_load.append(time.perf_counter() - started)
        count = lookback_bars(np.unique(np.concatenate([loaded.rules.left, loaded.rules.right])).tolist())
        started = time.perf_counter()
        arrays = bars_latest_arrays(instrument_ids=ids, timeframe="H1", count=count, until=bar_time)
        bar_load.append(time.perf_counter() - started)
        started = time.perf_counter()
        firings = bar_rules_evaluate(loaded.rules, arrays, now=moment.timestamp())
        pure.append(time.perf_counter() - started)
        assert len(firings) == stored and isinstance(next(iter(arrays.values())), BarArrays)

    per_instrument = []
    services.deliveries_create_for_events = nothing  # the rules side's baseline, as it was measured before
    for _ in range(BASELINE_RUNS):
        reset()
        started = time.perf_counter()
        for pk in ids:
            firing.bar_rules_fire(instrument_ids=[pk], timeframe="H1", bar_time=bar_time)
        per_instrument.append(time.perf_counter() - started)
        assert AlertEvent.objects.count() == stored
    services.deliveries_create_for_events = batch
    reset()

    print(f"load average after the baselines: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"  without deliveries (events stored only): {ms([r[0] for r in events_only])} (this process's CPU "
          f"{part(events_only, 'cpu')})")
    print(f"  deliveries made one event at a time instead: {ms([r[0] for r in per_event])}, of which the "
          f"deliveries' rows {part(per_event, 'rows')}")
    print(f"  pure evaluation alone (bar_rules_evaluate, {len(loaded.rules):,} rows, {count} bars each): {ms(pure)}")
    print(f"  loads alone: rules {ms(rule_load)}, bars {ms(bar_load)}")
    print(f"  baseline, the same close one instrument at a time, events only (bar_rules_fire x {INSTRUMENTS}): "
          f"{ms(per_instrument)}; batched is "
          f"{statistics.median(per_instrument) / statistics.median([r[0] for r in events_only]):.1f}x faster")


if __name__ == "__main__":
    main()
