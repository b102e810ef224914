"""Market data speed on PostgreSQL (DATABASE_URL must point at one; the bench uses its own database).

1. Import 1,000,000 synthetic bars through `bars_ingest` (validation + binary COPY + upsert),
   in three shapes: one instrument's 1,000,000 M1 bars in one call; 1,000 instruments x 1,000 H1
   bars in 1,000 calls (a transaction each); and the same through `bars_ingest_many`, 100
   instruments a call. Target: at least 100,000 bars/s. Baseline in the
   same run: the ORM's bulk_create of the 1,000 x 1,000 rows.
2. Load the latest 500 bars of 1,000 instruments into arrays with `bars_latest_arrays`.
   Target: under 1 s. Baseline in the same run: one ORM query per instrument.
Medians over the runs are printed. Data are synthetic (seeded) and labelled so.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
INSTRUMENTS, BARS, LATEST, RUNS = 1000, 1000, 500, 3


def main() -> None:
    import django

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_market needs DATABASE_URL=postgres://...")
    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)  # a throwaway test_<name> database
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def run() -> None:
    import numpy as np
    from django.db import connection

    from market.models import Bar, Instrument
    from market.selectors import bars_latest_arrays
    from market.services import bars_ingest, bars_ingest_many
    from market.synthetic import synthetic_bars

    instruments = Instrument.objects.bulk_create(
        Instrument(symbol=f"SYN{i:04d}", display_name=f"Synthetic {i}", asset_class="crypto", venue="synthetic",
                   base_currency=f"S{i}", quote_currency="USD", price_precision=2, tick_size=0.01,
                   calendar="ALWAYS", is_synthetic=True) for i in range(INSTRUMENTS))
    series = [synthetic_bars(count=BARS, seed=i, gap_probability=0.0) for i in range(INSTRUMENTS)]
    print(f"data: {INSTRUMENTS} synthetic instruments x {BARS} H1 bars = {INSTRUMENTS * BARS:,} bars (SYNTHETIC)")

    import_seconds = []
    for _ in range(RUNS):
        Bar.objects.all().delete()
        started = time.perf_counter()
        for instrument, bars in zip(instruments, series, strict=True):
            bars_ingest(instrument=instrument, timeframe="H1", bars=bars, source="bench")
        import_seconds.append(time.perf_counter() - started)
    batched_seconds = []
    for _ in range(RUNS):
        Bar.objects.all().delete()
        started = time.perf_counter()
        for first in range(0, INSTRUMENTS, 100):
            bars_ingest_many(timeframe="H1", items=list(zip(instruments[first:first + 100],
                                                            series[first:first + 100], strict=True)),
                             source="bench")
        batched_seconds.append(time.perf_counter() - started)
    reimport_started = time.perf_counter()
    for instrument, bars in zip(instruments, series, strict=True):
        bars_ingest(instrument=instrument, timeframe="H1", bars=bars, source="bench")
    reimport = time.perf_counter() - reimport_started

    Bar.objects.all().delete()
    started = time.perf_counter()
    for instrument, bars in zip(instruments, series, strict=True):
        Bar.objects.bulk_create([
            Bar(instrument=instrument, timeframe="H1", time=datetime.fromtimestamp(int(t), tz=UTC), open=o, high=h,
                low=lo, close=c, volume=v)
            for t, o, h, lo, c, v in zip(bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume,
                                         strict=True)], batch_size=5000)
    orm_import = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE market_bar")

    ids = [i.pk for i in instruments]
    load_seconds, naive_seconds = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        arrays = bars_latest_arrays(instrument_ids=ids, timeframe="H1", count=LATEST)
        load_seconds.append(time.perf_counter() - started)
        assert len(arrays) == INSTRUMENTS and all(len(a) == LATEST for a in arrays.values())
        started = time.perf_counter()
        for pk in ids:
            rows = list(Bar.objects.filter(instrument_id=pk, timeframe="H1").order_by("-time")
                        .values_list("time", "open", "high", "low", "close", "volume")[:LATEST])
            np.array([r[1:] for r in reversed(rows)])
        naive_seconds.append(time.perf_counter() - started)

    one = synthetic_bars(count=INSTRUMENTS * BARS, seed=99, gap_probability=0.0, step_seconds=60)
    single_seconds = []
    for _ in range(RUNS):
        Bar.objects.filter(instrument=instruments[0], timeframe="M1").delete()
        started = time.perf_counter()
        bars_ingest(instrument=instruments[0], timeframe="M1", bars=one, source="bench")
        single_seconds.append(time.perf_counter() - started)

    total = INSTRUMENTS * BARS
    median_single = statistics.median(single_seconds)
    print(f"import 1,000,000 bars of one instrument in one call: median {median_single:.2f}s "
          f"= {total / median_single:,.0f} bars/s (target >= 100,000)")
    median_import = statistics.median(import_seconds)
    print(f"import 1,000 instruments x 1,000 bars, one call each: median {median_import:.2f}s over {RUNS} runs "
          f"= {total / median_import:,.0f} bars/s (target >= 100,000)")
    median_batched = statistics.median(batched_seconds)
    print(f"import 1,000 instruments x 1,000 bars with bars_ingest_many, 100 instruments a call: median "
          f"{median_batched:.2f}s = {total / median_batched:,.0f} bars/s (target >= 100,000)")
    print(f"re-import of the same 1,000,000 bars (changes nothing): {reimport:.2f}s")
    print(f"baseline ORM bulk_create, same rows: {orm_import:.2f}s = {total / orm_import:,.0f} bars/s; "
          f"bars_ingest is {orm_import / median_import:.1f}x faster")
    median_load, median_naive = statistics.median(load_seconds), statistics.median(naive_seconds)
    print(f"latest {LATEST} bars of {INSTRUMENTS} instruments into arrays: median {median_load * 1000:.0f} ms "
          f"(target < 1000 ms)")
    print(f"baseline one ORM query per instrument: median {median_naive * 1000:.0f} ms; "
          f"bars_latest_arrays is {median_naive / median_load:.1f}x faster")


if __name__ == "__main__":
    main()
