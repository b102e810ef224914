"""Throughput and latency of `GET /api/v1/signals/` against a bare DRF endpoint, in one run.

Served as in production: production settings (DEBUG off), PostgreSQL and Redis (DATABASE_URL and
REDIS_URL are required), several daphne processes accepting on one shared socket. On a new throwaway
test database: the plan catalogue and instruments, 50 signals made by `signal_create` and copied in
SQL to 100,000 signals with their publications to every tier (half of them closed), and one tenant on
Premium with an API key (its plan's limits raised so the bench measures the limiter, not its 429s).

Two endpoints return the same first page (50 signals, the same fields) from the same tables:
- api: `/api/v1/signals/` with the key (its lookup cached), the plan's rate limit and usage count,
  tenant scoping and masking, one query for the page, which is then kept encoded in the cache
  (signals.list_cache) and served from there until a publication or an outcome changes the list: no
  signal is published during the measurement, so after its first request each process serves the
  page from the cache (a page's cost when it is read is what `tests/api_v1` bound: one query);
- bare: `/bench/bare-signals/` (bench/bench_api_app.py), a ListAPIView with a ModelSerializer and
  select_related, cursor pagination, no authentication and no throttle.

For each concurrency (16 and 64 clients, keep-alive, aiohttp), the two alternate in rounds, each going
first in turn (a short warm-up, then a measured window each), so a shared host's drift hits both
alike; prints requests per second, the ratio api / bare, p50 / p95 / p99 latency, the servers' CPU time
per request and the load average.

`--servers daphne,gunicorn` serves the same application by both at once, each with `--workers`
processes on a socket of its own (daphne: ASGI, as `manage.py serve` does; gunicorn: WSGI, gthread
workers with `--threads` threads), and alternates all four (server, endpoint) pairs in every round.
gunicorn is not a dependency of Beacon: give its location with GUNICORN=/path/to/gunicorn (a
`pip install --target DIR gunicorn` is enough: DIR/bin/gunicorn, with DIR put on PYTHONPATH).

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/bench_api.py [--workers 4] [--seconds 8]
        [--rounds 3] [--servers daphne,gunicorn] [--threads 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Each daphne process borrows its connections from its own pool (DATABASE_POOL_MAX_SIZE, default 10),
# as in production: without one, a persistent connection stayed with each request's thread and
# PostgreSQL ran out of connections ("too many clients") within seconds at 16 clients.
PRODUCTION_ENV = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "bench-only-secret-key-" * 3,
                  "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false",
                  "LOG_LEVEL": "WARNING", "VAULT_MASTER_KEYS": "bench:" + "A" * 43 + "="}
os.environ.update({k: v for k, v in PRODUCTION_ENV.items() if k not in os.environ})
SIGNALS = 100_000
BASE_SIGNALS = 50
CONCURRENCY = (16, 64)
ROUNDS = 3
WARM_UP_SECONDS = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="daphne processes (default 4)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of alternation (default {ROUNDS})")
    parser.add_argument("--servers", default="daphne", help="daphne, gunicorn or both, comma-separated")
    parser.add_argument("--threads", type=int, default=4, help="threads of each gunicorn worker (default 4)")
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.servers.split(",")]
    if set(kinds) - set(SERVER_COMMANDS) or not kinds:
        sys.exit(f"--servers: choose from {', '.join(SERVER_COMMANDS)}")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("bench_api needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    connection.settings_dict["TEST"]["NAME"] = f"bench_api_{connection.settings_dict['NAME']}"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        headers = seed()
        assert_same_page(headers)
        connection.close()
        database = connection.settings_dict["NAME"]
        with contextlib.ExitStack() as stack:
            started = {kind: stack.enter_context(servers(kind=kind, workers=args.workers, threads=args.threads,
                                                         database=database)) for kind in kinds}
            load_before = os.getloadavg()
            results = asyncio.run(measure(started, headers, seconds=args.seconds, rounds=args.rounds))
        report(results, workers=args.workers, threads=args.threads, load=(load_before, os.getloadavg()))
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)


def seed() -> dict[str, str]:
    """Signals, publications and outcomes; a Premium tenant's key. Returns its headers."""
    from django.db import connection

    from accounts.services import api_key_create, user_signup
    from billing.models import Plan, Subscription
    from market.models import Instrument
    from market.services import instrument_catalogue_load
    from signals.models import Signal, SignalPublication
    from signals.services import signal_create, strategy_default_ensure
    from tests.api_v1.conftest import a_draft

    started = time.perf_counter()
    instrument_catalogue_load()
    strategy = strategy_default_ensure()
    instruments = list(Instrument.objects.order_by("symbol")[:BASE_SIGNALS // 2])
    for i, instrument in enumerate(instruments):
        for timeframe in ("H1", "D1"):
            signal_create(draft=a_draft(timeframe=timeframe, direction="BUY" if i % 2 else "SELL",
                                        confidence=None if i % 5 == 0 else 0.5 + i / 100),
                          instrument=instrument, strategy=strategy)
    copies = SIGNALS // BASE_SIGNALS - 1
    with connection.cursor() as cursor:
        # Every column but the key and the three times the copies shift (a column added later is copied too).
        columns = ", ".join(field.column for field in Signal._meta.concrete_fields
                            if field.column not in ("id", "bar_time", "created_at", "valid_until"))
        # Copies are newer than the originals (k minutes later), inserted oldest first, so the newest
        # signal also has the newest publication: both endpoints' first page holds the same signals.
        cursor.execute(f"""
            INSERT INTO signals_signal ({columns}, bar_time, created_at, valid_until)
            SELECT {columns}, bar_time + k * interval '1 minute', created_at + k * interval '1 minute',
                   valid_until + k * interval '1 minute'
            FROM signals_signal, generate_series(1, %s) AS k ORDER BY created_at + k * interval '1 minute'
        """, [copies])
        cursor.execute("""
            INSERT INTO signals_signalpublication (signal_id, tier, visible_at, published_at)
            SELECT s.id, p.code, s.created_at + p.signal_delay_seconds * interval '1 second',
                   s.created_at + p.signal_delay_seconds * interval '1 second'
            FROM signals_signal s CROSS JOIN billing_plan p
            WHERE s.id NOT IN (SELECT signal_id FROM signals_signalpublication)
            ORDER BY s.created_at, p.sort_order
        """)
        cursor.execute("""
            INSERT INTO signals_signaloutcome (signal_id, result, target_1_hit, targets_hit, r_multiple, mfe_r,
                                               mae_r, exit_price, bars_held, duration_seconds, closed_bar_time,
                                               recorded_at)
            SELECT id, 'target_1', true, 1, 1.0, 1.2, -0.4, target_1, 5, 18000, bar_time + interval '5 hours',
                   created_at + interval '5 hours'
            FROM signals_signal WHERE id % 2 = 0
        """)
        cursor.execute("ANALYZE")
    user = user_signup(email="bench@example.com", password="bench-password-123", organisation="Bench")
    tenant = user.memberships.get().tenant
    Plan.objects.filter(code="premium").update(api_requests_per_minute=10**9, api_requests_per_day=10**9)
    Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code="premium"), status="active")
    _, plaintext = api_key_create(tenant=tenant, name="bench", scope="read", created_by=user)

    print(f"bench_api: {Signal.objects.count():,} signals, {SignalPublication.objects.count():,} publications "
          f"seeded in {time.perf_counter() - started:.0f} s")
    return {"Authorization": f"Bearer {plaintext}"}


def assert_same_page(headers: dict[str, str]) -> None:
    """Both endpoints answer the same 50 signals (tests/api_v1 prove the page is one query)."""
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()
    with override_settings(ROOT_URLCONF="bench.bench_api_app"):
        pages = [client.get("/api/v1/signals/", headers=headers), client.get("/bench/bare-signals/")]
    assert all(page.status_code == 200 for page in pages), [page.status_code for page in pages]
    api, bare = ([item.get("signal_id", item.get("id")) for item in page.json()["results"]] for page in pages)
    assert api == bare and len(api) == 50, "not the same page"


def _daphne_command(*, fd: int, threads: int) -> list[str]:
    return [str(Path(sys.executable).parent / "daphne"), "--fd", str(fd), "-v", "0", "bench.bench_api_app:application"]


def _gunicorn_command(*, fd: int, threads: int) -> list[str]:
    gunicorn = os.environ.get("GUNICORN") or str(Path(sys.executable).parent / "gunicorn")
    return [sys.executable, gunicorn, "--bind", f"fd://{fd}", "--workers", "1", "--worker-class", "gthread",
            "--threads", str(threads), "--keep-alive", "30", "--log-level", "warning",
            "bench.bench_api_app:wsgi_application"]


SERVER_COMMANDS = {"daphne": _daphne_command, "gunicorn": _gunicorn_command}


class servers:
    """`workers` processes of a server `kind` serving bench_api_app on one shared listening socket (each
    gunicorn is started as a master with one worker, so that both kinds have `workers` processes that
    serve and each one's CPU time is read alike). `port` 0: any free port."""

    def __init__(self, *, kind: str, workers: int, threads: int, database: str, port: int = 0):
        self.kind, self.workers, self.threads, self.database, self.port = kind, workers, threads, database, port

    def __enter__(self) -> servers:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", self.port))
        self.socket.listen(1024)
        self.socket.set_inheritable(True)
        url = urlsplit(os.environ["DATABASE_URL"])
        pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path="/" + self.database)),
               "PYTHONPATH": pythonpath}
        command = SERVER_COMMANDS[self.kind](fd=self.socket.fileno(), threads=self.threads)
        self.processes = [subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=[self.socket.fileno()])
                          for _ in range(self.workers)]
        self.base_url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        asyncio.run(wait_until_served(self.base_url + "/bench/bare-signals/"))
        return self

    def cpu_seconds(self) -> float:
        """User and system CPU time of every process serving (gunicorn's workers are its children)."""
        pids = [process.pid for process in self.processes]
        for process in self.processes:
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            if children.exists():
                pids += [int(pid) for pid in children.read_text().split()]
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total

    def __exit__(self, *exc) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.socket.close()


async def wait_until_served(url: str) -> None:
    import aiohttp

    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the servers did not start")


async def load(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> tuple[int, float, list[float]]:
    """`clients` keep-alive clients requesting `url` back to back for `seconds`; returns the requests
    answered 200, the elapsed seconds and each request's latency (ms). Anything but a 200 fails."""
    import aiohttp

    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(session) -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}: {(await response.text())[:200]}")
            latencies.append(1000 * (time.perf_counter() - began))

    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(client(session) for _ in range(clients)))
        return len(latencies), time.perf_counter() - started, latencies


async def measure(started: dict[str, servers], headers: dict[str, str], *, seconds: float, rounds: int) -> dict:
    """For each concurrency, {(server, endpoint): [requests, elapsed s, latencies ms, server CPU s]}."""
    endpoints = {}
    for kind, server in started.items():
        endpoints[kind, "bare"] = (server, server.base_url + "/bench/bare-signals/", {})
        endpoints[kind, "api"] = (server, server.base_url + "/api/v1/signals/", headers)
    results = {}
    for clients in CONCURRENCY:
        totals: dict[tuple[str, str], list] = {name: [0, 0.0, [], 0.0] for name in endpoints}
        for round_ in range(rounds):
            names = list(endpoints)
            names = names[round_ % len(names):] + names[:round_ % len(names)]  # each goes first in turn
            for name in names:
                server, url, request_headers = endpoints[name]
                await load(url, request_headers, clients=clients, seconds=WARM_UP_SECONDS)
                cpu_before = server.cpu_seconds()
                count, elapsed, latencies = await load(url, request_headers, clients=clients, seconds=seconds)
                totals[name][0] += count
                totals[name][1] += elapsed
                totals[name][2] += latencies
                totals[name][3] += server.cpu_seconds() - cpu_before
        results[clients] = totals
    return results


def _percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def report(results: dict, *, workers: int, threads: int, load: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    kinds = list(dict.fromkeys(kind for totals in results.values() for kind, _ in totals))
    described = {"daphne": "daphne (ASGI)", "gunicorn": f"gunicorn (WSGI, gthread x {threads})"}
    print(f"bench_api: GET first page (50 signals) of 100,000, {workers} processes each of "
          f"{', '.join(described[kind] for kind in kinds)}, production settings; load average "
          f"{' '.join(f'{x:.2f}' for x in load[0])} before, {' '.join(f'{x:.2f}' for x in load[1])} after")
    for clients, totals in results.items():
        rates = {name: count / elapsed for name, (count, elapsed, _, _) in totals.items()}
        for kind in kinds:
            print(f"  {clients} clients, {kind}: " + ", ".join(f"{name} {rates[kind, name]:.0f} req/s"
                                                              for name in ("api", "bare"))
                  + f"; api/bare {rates[kind, 'api'] / rates[kind, 'bare']:.2f}x")
            for name in ("api", "bare"):
                count, _, latencies, cpu = totals[kind, name]
                print(f"    {name:5} latency ms: p50 {statistics.median(latencies):.1f}  p95 "
                      f"{_percentile(latencies, 95):.1f}  p99 {_percentile(latencies, 99):.1f}"
                      f"  ({count} requests; server CPU {1000 * cpu / count:.2f} ms a request)")
        if len(kinds) > 1:
            first, second = kinds[:2]
            print(f"    {second}/{first} req/s: " + ", ".join(
                f"{name} {rates[second, name] / rates[first, name]:.2f}x" for name in ("api", "bare")))


if __name__ == "__main__":
    main()
