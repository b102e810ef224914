"""How long a PostgreSQL COMMIT waits for the disk on this machine: the floor under every latency
figure of the live path, which commits its signal (and ledger entry) durably before publishing it.

Inserts small rows one transaction each for a while, first with the default `synchronous_commit`
(the COMMIT returns once the WAL is flushed), then with it off (no wait for the flush), and
prints both distributions. Needs DATABASE_URL pointing at PostgreSQL; uses a scratch table.
"""

from __future__ import annotations

import os
import statistics
import time

SECONDS = 15


def commit_latencies(connection, *, synchronous: bool) -> list[float]:
    connection.execute(f"SET synchronous_commit TO {'ON' if synchronous else 'OFF'}")
    latencies, end = [], time.monotonic() + SECONDS
    while time.monotonic() < end:
        started = time.perf_counter()
        connection.execute("INSERT INTO bench_commit_stalls (payload) VALUES (repeat('x', 200))")
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


def describe(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=1000)
    slow = sum(x > 50 for x in latencies)
    return (f"{len(latencies):,} commits: p50 {q[499]:.2f} ms, p99 {q[989]:.2f} ms, p99.9 {q[998]:.2f} ms, "
            f"max {max(latencies):.1f} ms; {slow} over 50 ms")


def main() -> None:
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench_commit_stalls: skipped, it needs DATABASE_URL=postgres://...")
        return
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_commit_stalls (id bigserial PRIMARY KEY, payload text)")
        try:
            print(f"PostgreSQL COMMIT latency, one small insert per transaction, {SECONDS} s each:")
            waiting = describe(commit_latencies(connection, synchronous=True))
            print(f"  waiting for the WAL flush (default):  {waiting}")
            not_waiting = describe(commit_latencies(connection, synchronous=False))
            print(f"  not waiting (synchronous_commit off): {not_waiting}")
        finally:
            connection.execute("DROP TABLE bench_commit_stalls")


if __name__ == "__main__":
    main()
