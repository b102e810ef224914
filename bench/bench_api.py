"""Throughput and latency of `GET /api/v1/signals/` against a bare DRF endpoint, in one run.

Served as in production: production settings (DEBUG off), PostgreSQL and Redis (DATABASE_URL and
REDIS_URL are required), gunicorn with deploy/gunicorn.conf.py (WSGI, several worker processes), asked
directly and through nginx with deploy/nginx.conf. On a new throwaway test database: the plan
catalogue and instruments, 50 signals made by `signal_create` and copied in SQL to 100,000 signals with
their publications to every tier (half of them closed), and one tenant on Premium with an API key (its
plan's limits raised so the bench measures the limiter, not its 429s).

Two endpoints return the same first page (50 signals, the same fields) from the same tables:
- api: `/api/v1/signals/` with the key (its lookup cached), the plan's rate limit and usage count,
  tenant scoping and masking, one query for the page, which is then kept encoded in the cache
  (signals.list_cache) and served from there until a publication or an outcome changes the list: no
  signal is published during the measurement, so after its first request each process serves the
  page from the cache (a page's cost when it is read is what `tests/api_v1` bound: one query);
- bare: `/bench/bare-signals/` (bench/bench_api_app.py), a ListAPIView with a ModelSerializer and
  select_related, cursor pagination, no authentication and no throttle.

Each server set-up (`--setups`: worker class and processes, e.g. sync:4 or gthread:4x2) is started in
turn: one gunicorn, and an nginx in front of it when `--via` has nginx. For each concurrency (16 and 64
keep-alive clients) the (way in, endpoint) pairs alternate in `--rounds` rounds, each going first in
turn (a one-second warm-up, then a measured window), so a shared host's drift hits them alike. Printed
per set-up and pair: the medians over the rounds of requests per second, p50 / p95 / p99 latency and
the servers' CPU time per request (gunicorn's and nginx's processes), the ratio api / bare (median of
each round's ratio), and the load average.

The load comes from wrk (`apt-get install wrk`), which is compiled and takes a small share of the CPU;
bench/wrk_report.lua reads the percentiles from its histogram of every request. Without wrk the bench
says so and falls back to a Python generator (aiohttp), which competes with the servers for the CPU of
a small machine, so its latencies are worse than the servers'. nginx is Debian's (`apt-get install
nginx`), run as this user's process with its files in a temporary directory.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/bench_api.py [--setups gthread:4x2,sync:4]
        [--via direct,nginx] [--seconds 8] [--rounds 3] [--port-base 8100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PRODUCTION_ENV = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "bench-only-secret-key-" * 3,
                  "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "SECURE_SSL_REDIRECT": "false",
                  "LOG_LEVEL": "WARNING", "VAULT_MASTER_KEYS": "bench:" + "A" * 43 + "="}
os.environ.update({k: v for k, v in PRODUCTION_ENV.items() if k not in os.environ})
SIGNALS = 100_000
BASE_SIGNALS = 50
CONCURRENCY = (16, 64)
ROUNDS = 3
WARM_UP_SECONDS = 1.0
ENDPOINTS = {"api": "/api/v1/signals/", "bare": "/bench/bare-signals/"}
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"


@dataclasses.dataclass(frozen=True)
class Setup:
    """A gunicorn set-up: `workers` processes of `worker_class` (gthread ones with `threads` threads)."""

    worker_class: str
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> Setup:
        """`sync:4` or `gthread:4x2` (four processes of two threads)."""
        match = re.fullmatch(r"(sync|gthread):(\d+)(?:x(\d+))?", text.strip())
        if match is None:
            raise argparse.ArgumentTypeError(f"{text!r}: write sync:<processes> or gthread:<processes>x<threads>")
        worker_class, workers, threads = match.groups()
        return cls(worker_class, int(workers), int(threads or (4 if worker_class == "gthread" else 1)))

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.worker_class}, {self.workers} processes{threads}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default="gthread:4x2,sync:4",
                        help="gunicorn set-ups, comma-separated: sync:<processes> or gthread:<processes>x<threads> "
                             "(default gthread:4x2,sync:4; deploy/gunicorn.conf.py has gthread)")
    parser.add_argument("--via", default="direct,nginx", help="direct, nginx or both, comma-separated")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per pair per round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of alternation (default {ROUNDS})")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="first run N requests of each endpoint through the WSGI application in this process "
                             "(no server): print each one's CPU per request and the api's costliest functions")
    parser.add_argument("--port-base", type=int, default=0,
                        help="listen on this port and the next (gunicorn, nginx); default: free ports")
    args = parser.parse_args()
    setups = [Setup.parse(text) for text in args.setups.split(",")]
    ways = [way.strip() for way in args.via.split(",")]
    if set(ways) - {"direct", "nginx"} or not ways:
        sys.exit("--via: direct, nginx or both")
    if "nginx" in ways and not shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin"):
        sys.exit("bench_api: nginx not found (apt-get install nginx), or measure with --via direct")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("bench_api needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    generator = "wrk" if shutil.which("wrk") else "aiohttp"
    if generator != "wrk":
        print("bench_api: wrk not found (apt-get install wrk): falling back to a Python load generator (aiohttp), "
              "which takes CPU from the servers on a small machine, so the latencies below are pessimistic")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    connection.settings_dict["TEST"]["NAME"] = f"bench_api_{connection.settings_dict['NAME']}"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        headers = seed()
        assert_same_page(headers)
        if args.profile:
            profile(headers, requests=args.profile)
        connection.close()
        database = connection.settings_dict["NAME"]
        print(f"bench_api: GET the first page (50 signals) of 100,000, production settings, load from {generator}, "
              f"{args.rounds} rounds of {args.seconds:g} s; medians over the rounds")
        for setup in setups:
            with served(setup, ways=ways, database=database, port_base=args.port_base) as entrances:
                load_before = os.getloadavg()
                results = measure(entrances, headers, generator=generator, seconds=args.seconds,
                                  rounds=args.rounds)
                report(setup, results, load=(load_before, os.getloadavg()))
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


def profile(headers: dict[str, str], *, requests: int) -> None:
    """The application's own CPU time per request of each endpoint (the WSGI handler called in this process,
    no server, no socket), then cProfile's costliest functions of the api's requests."""
    import cProfile
    import io
    import pstats

    from django.test.utils import override_settings

    from bench.bench_api_app import wsgi_application

    def environ(path: str, request_headers: dict[str, str]) -> dict:
        return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
                "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
                "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
                **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in request_headers.items()}}

    def call(path: str, request_headers: dict[str, str]) -> None:
        statuses = []
        with override_settings(ROOT_URLCONF="bench.bench_api_app"):
            body = wsgi_application(environ(path, request_headers), lambda status, _: statuses.append(status))
        b"".join(body)
        body.close()
        assert statuses[0].startswith("200"), statuses

    for endpoint, path in ENDPOINTS.items():
        request_headers = headers if endpoint == "api" else {}
        for _ in range(20):
            call(path, request_headers)  # warm: imports, the key and the page in the cache, pooled connections
        began, began_wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            call(path, request_headers)
        print(f"bench_api profile: {endpoint} {1000 * (time.process_time() - began) / requests:.2f} ms CPU, "
              f"{1000 * (time.perf_counter() - began_wall) / requests:.2f} ms elapsed a request in the application")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call(ENDPOINTS["api"], headers)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    print(out.getvalue())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Entrance:
    """A way in to the application (gunicorn itself, or nginx in front of it) and the processes whose CPU
    time serving through it costs (nginx's and gunicorn's)."""

    def __init__(self, *, name: str, base_url: str, processes: list[subprocess.Popen]):
        self.name, self.base_url, self.processes = name, base_url, processes

    def cpu_seconds(self) -> float:
        """User and system CPU time of the processes, of their live children (the workers) and of the children
        they reaped (a worker recycled after its max_requests: its time moves to its parent's cutime/cstime, so
        the sum never goes back)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for process in self.processes:
            total += _cpu_ticks(process.pid, reaped_children=True) / ticks
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
            with contextlib.suppress(OSError):
                pids = [int(pid) for pid in children.read_text().split()]
                total += sum(_cpu_ticks(pid, reaped_children=False) for pid in pids) / ticks
        return total


def _cpu_ticks(pid: int, *, reaped_children: bool) -> int:
    """utime + stime of the process (and cutime + cstime, its reaped children's); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(value) for value in fields[11:15 if reaped_children else 13])


@contextlib.contextmanager
def served(setup: Setup, *, ways: list[str], database: str, port_base: int):
    """gunicorn with deploy/gunicorn.conf.py as `setup` says, and nginx with deploy/nginx.conf in front of it
    when `ways` has nginx; yields the entrances by name. Stops both after."""
    gunicorn_port = port_base or _free_port()
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path="/" + database)),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                "--bind", f"127.0.0.1:{gunicorn_port}", "--workers", str(setup.workers),
                "--worker-class", setup.worker_class, "--threads", str(setup.threads), "--log-level", "warning",
                "bench.bench_api_app:wsgi_application"]
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="bench_api_nginx_") as directory:
        try:
            processes.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env, start_new_session=True))
            entrances = {"direct": Entrance(name="direct", base_url=f"http://127.0.0.1:{gunicorn_port}",
                                            processes=processes[:1])}
            if "nginx" in ways:
                nginx_port = gunicorn_port + 1 if port_base else _free_port()
                processes.append(nginx_start(directory=Path(directory), listen=nginx_port,
                                             upstream=f"127.0.0.1:{gunicorn_port}"))
                entrances["nginx"] = Entrance(name="nginx", base_url=f"http://127.0.0.1:{nginx_port}",
                                              processes=processes[:2])
            for entrance in entrances.values():
                wait_until_served(entrance.base_url + ENDPOINTS["bare"])
            yield {way: entrances[way] for way in ways}
        finally:
            # Quick shutdown (SIGINT for both): a graceful one waits for kept-alive connections. Then the
            # whole process group, so that no worker outlives its master holding the port or the database.
            for process in processes:
                process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def nginx_start(*, directory: Path, listen: int, upstream: str) -> subprocess.Popen:
    """Debian's nginx, as this user's process, with deploy/nginx.conf: listening on `listen`, HTTP sent to
    `upstream`, its log, pid and temporary files in `directory`."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{listen};",
        "server web:8000;": f"server {upstream};",
        "server ws:8001;": "server 127.0.0.1:9;",  # no WebSocket in this bench
        "access_log /var/log/nginx/access.log;": f"access_log {directory}/access.log;",
        "\nhttp {": "\nhttp {\n" + "".join(f"    {kind}_temp_path {directory}/{kind};\n"
                                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
    }
    for old, new in replacements.items():
        if text.count(old) != 1:
            raise RuntimeError(f"deploy/nginx.conf changed: {old!r} is not there once; update bench_api")
        text = text.replace(old, new)
    config = directory / "nginx.conf"
    config.write_text(text)
    nginx = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin")
    return subprocess.Popen([nginx, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log"),
                             "-g", f"daemon off; pid {directory}/nginx.pid;"], start_new_session=True)


def wait_until_served(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} was not served within a minute")


@dataclasses.dataclass
class Window:
    """One measured window: requests answered, requests per second, latency percentiles (ms), server CPU
    milliseconds per request."""

    requests: int
    rate: float
    p50: float
    p95: float
    p99: float
    cpu_ms: float = 0.0


def load_wrk(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Window:
    """`clients` keep-alive connections requesting `url` back to back for `seconds` (wrk, two threads).
    Any error status or socket error fails the bench."""
    command = ["wrk", "--threads", str(min(2, clients)), "--connections", str(clients), "--duration",
               f"{max(seconds, 1):g}s", "--timeout", "10s", "--script", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    if figures["error_statuses"] or figures["socket_errors"]:
        raise RuntimeError(f"{url}: {figures['error_statuses']} error statuses, {figures['socket_errors']} "
                           f"socket errors\n{output}")
    return Window(figures["requests"], figures["requests"] / figures["seconds"], figures["p50"], figures["p95"],
                  figures["p99"])


def load_aiohttp(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Window:
    """The fallback without wrk: `clients` keep-alive aiohttp clients back to back for `seconds`."""
    import aiohttp

    async def run() -> tuple[float, list[float]]:
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

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
            started = time.perf_counter()
            await asyncio.gather(*(client(session) for _ in range(clients)))
            return time.perf_counter() - started, latencies

    elapsed, latencies = asyncio.run(run())
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Window(len(latencies), len(latencies) / elapsed, statistics.median(latencies), quantiles[94],
                  quantiles[98])


LOADS = {"wrk": load_wrk, "aiohttp": load_aiohttp}


def measure(entrances: dict[str, Entrance], headers: dict[str, str], *, generator: str, seconds: float,
            rounds: int) -> dict[int, dict[tuple[str, str], list[Window]]]:
    """For each concurrency, each (way in, endpoint)'s windows, one a round."""
    load = LOADS[generator]
    pairs = [(way, endpoint) for way in entrances for endpoint in ENDPOINTS]
    results = {}
    for clients in CONCURRENCY:
        windows: dict[tuple[str, str], list[Window]] = {pair: [] for pair in pairs}
        for round_ in range(rounds):
            for way, endpoint in pairs[round_ % len(pairs):] + pairs[:round_ % len(pairs)]:  # each first in turn
                entrance = entrances[way]
                url = entrance.base_url + ENDPOINTS[endpoint]
                request_headers = headers if endpoint == "api" else {}
                load(url, request_headers, clients=clients, seconds=WARM_UP_SECONDS)
                cpu_before = entrance.cpu_seconds()
                window = load(url, request_headers, clients=clients, seconds=seconds)
                window.cpu_ms = 1000 * (entrance.cpu_seconds() - cpu_before) / max(window.requests, 1)
                windows[way, endpoint].append(window)
        results[clients] = windows
    return results


def report(setup: Setup, results: dict[int, dict[tuple[str, str], list[Window]]], *,
           load: tuple[tuple[float, ...], tuple[float, ...]]) -> None:
    print(f"{setup}: load average {' '.join(f'{x:.2f}' for x in load[0])} before, "
          f"{' '.join(f'{x:.2f}' for x in load[1])} after")
    for clients, windows in results.items():
        for way in dict.fromkeys(way for way, _ in windows):
            api, bare = windows[way, "api"], windows[way, "bare"]
            ratios = [a.rate / b.rate if b.rate else float("inf") for a, b in zip(api, bare, strict=True)]
            print(f"  {clients} clients, {way}: api/bare {statistics.median(ratios):.2f}x "
                  f"(rounds {', '.join(f'{ratio:.2f}' for ratio in ratios)})")
            for endpoint, runs in (("api", api), ("bare", bare)):
                rate = statistics.median(window.rate for window in runs)
                answered = [window for window in runs if window.requests]  # a window of none has no latency
                if not answered:
                    print(f"    {endpoint:5} no request answered within any window")
                    continue
                p50, p95, p99, cpu_ms = (statistics.median(getattr(window, field) for window in answered)
                                         for field in ("p50", "p95", "p99", "cpu_ms"))
                empty = f" ({len(runs) - len(answered)} windows answered none)" if len(answered) < len(runs) else ""
                print(f"    {endpoint:5} {rate:6.0f} req/s  p50 {p50:5.1f}  p95 {p95:5.1f}  p99 {p99:5.1f} ms  "
                      f"server CPU {cpu_ms:.2f} ms a request{empty}")


if __name__ == "__main__":
    main()
