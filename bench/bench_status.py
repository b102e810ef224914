"""Data freshness of the status page's health check on PostgreSQL (DATABASE_URL must point at one; the
bench uses its own throwaway database).

`status.freshness.data_freshness` reads each active instrument's newest bar per timeframe backwards from
the bars' unique index. Baseline in the same run: the GROUP BY (instrument, timeframe) MAX(time) over
every bar that market.selectors.market_overview uses. 100 synthetic instruments x 10,000 H1 bars
(1,000,000 bars, labelled SYNTHETIC). Medians over RUNS runs are printed, with the load average.
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
INSTRUMENTS, BARS, RUNS = 100, 10_000, 5


def main() -> None:
    import django

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench_status needs DATABASE_URL=postgres://...")
    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        run()
    finally:
        teardown_databases(old, verbosity=0)


def run() -> None:
    from django.db import connection
    from django.db.models import Max

    from market.models import Bar, Instrument
    from market.services import bars_ingest_many
    from market.synthetic import synthetic_bars
    from status.freshness import data_freshness

    instruments = Instrument.objects.bulk_create(
        Instrument(symbol=f"SYN{i:04d}", display_name=f"Synthetic {i}", asset_class="crypto", venue="synthetic",
                   base_currency=f"S{i}", quote_currency="USD", price_precision=2, tick_size=0.01,
                   calendar="ALWAYS", is_synthetic=True) for i in range(INSTRUMENTS))
    items = [(instrument, synthetic_bars(count=BARS, seed=i, gap_probability=0.0))
             for i, instrument in enumerate(instruments)]
    for first in range(0, INSTRUMENTS, 20):
        bars_ingest_many(timeframe="H1", items=items[first:first + 20], source="bench")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE market_bar")
    print(f"data: {INSTRUMENTS} synthetic instruments x {BARS:,} H1 bars = {Bar.objects.count():,} bars (SYNTHETIC)")

    now = datetime.now(UTC)
    ours, baseline = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        [crypto] = data_freshness(now=now)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        pairs = list(Bar.objects.filter(instrument__active=True).values("instrument_id", "timeframe")
                     .annotate(newest=Max("time")).order_by())
        baseline.append(time.perf_counter() - started)
    assert crypto["series"] == len(pairs) == INSTRUMENTS
    mine, theirs = statistics.median(ours), statistics.median(baseline)
    print(f"data_freshness (newest bar per series from the index, then the calendars): median {mine * 1000:.1f} ms "
          f"over {RUNS} runs")
    print(f"baseline GROUP BY MAX(time) over every bar (query alone): median {theirs * 1000:.1f} ms "
          f"({theirs / mine:.1f}x data_freshness)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
