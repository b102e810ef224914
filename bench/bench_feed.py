"""Live feed fan-out: publication to delivery at 10 signals a second, 100 and 1,000 clients, two designs.

For each design and client count, one daphne process serves the feed with production settings
(PostgreSQL, channels-redis; bench/feed_settings.py) on a throwaway test database of DATABASE_URL; the reference client
(signals.feed_client) connects N premium API keys from CLIENT_PROCESSES processes; this process then
publishes RATE signals a second for --seconds through the real publishing path (a Signal and its
publications in one transaction, the feed messages sent after the commit, as the engine does), the
clock starting at the commit. Designs, measured in the same run:
- stock: bench/feed_stock.py, every socket a consumer in its tier's group, one group_send a message;
- hub: config.asgi (signals.feed_hub), each process receives a tier once and fans it out itself.
Prints, per run: delivered/expected, lost, duplicated or out of order, p50/p95/p99 publication to
delivery in ms, the server's CPU seconds per second of publishing and its RSS (now and peak). Each
server's log goes to var/bench_feed_<design>_<clients>.log. Give it a Redis database of its own: it
drops the channel layer's groups and the feed's connection slots between runs.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/bench_feed.py [--seconds 20] [--clients 100,1000]
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal as signals_of_processes
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")
RATE = 10  # signals a second
CLIENT_PROCESSES = 4
KEYS_PER_TENANT = 20  # Premium's websocket_connections
DRAIN_SECONDS = 10
CONNECT_EVERY_SECONDS = 0.01  # per client process
CLIENT_LOOP = os.environ.get("BENCH_FEED_CLIENT_LOOP", "uvloop")  # the clients must not be the bottleneck
DESIGNS = {"stock": "bench.feed_stock:application", "hub": "config.asgi:application"}


def main() -> None:
    designs = _option("--designs", ",".join(DESIGNS)).split(",")
    if "--client" in sys.argv:
        client_main(sys.argv[sys.argv.index("--client") + 1:])
        return
    seconds = int(_option("--seconds", "20"))
    sizes = [int(n) for n in _option("--clients", "100,1000").split(",")]
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        print("bench_feed: skipped, it needs DATABASE_URL=postgres://... and REDIS_URL=redis://... "
              "(the production layout: PostgreSQL and the channels-redis layer)")
        return
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old = setup_databases(verbosity=0, interactive=False)
    try:
        keys = seed(max(sizes))
        url = urlsplit(database_url)
        server_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.feed_settings",
                      "DATABASE_URL": urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"])),
                      "SECRET_KEY": "bench-feed", "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "false"}
        print(f"bench_feed: {RATE} signals/s for {seconds} s, clients over {CLIENT_PROCESSES} processes, "
              f"one daphne process per run, PostgreSQL + channels-redis, loopback")
        for size in sizes:
            for design in designs:
                application = DESIGNS[design]
                result = run(design=design, application=application, keys=keys[:size], seconds=seconds,
                             server_env=server_env)
                report(design, size, result)
    finally:
        teardown_databases(old, verbosity=0)


def _option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def seed(count: int, *, keys_per_tenant: int = KEYS_PER_TENANT) -> list[str]:
    """`count` API keys of Premium tenants (`keys_per_tenant` a tenant), the instruments and the strategy."""
    from accounts.models import Tenant
    from accounts.services import api_key_create
    from billing.models import Plan, Subscription, SubscriptionStatus
    from market.services import instrument_catalogue_load
    from signals.services import strategy_default_ensure

    instrument_catalogue_load()
    strategy_default_ensure()
    premium = Plan.objects.get(code="premium")
    keys = []
    for t in range((count + keys_per_tenant - 1) // keys_per_tenant):
        tenant = Tenant.objects.create(name=f"Bench {t}", slug=f"bench-{t}")
        Subscription.objects.create(tenant=tenant, plan=premium, status=SubscriptionStatus.ACTIVE)
        keys += [api_key_create(tenant=tenant, name=f"k{i}", scope="read", created_by=None)[1]
                 for i in range(keys_per_tenant)]
    return keys[:count]


def run(*, design: str, application: str, keys: list[str], seconds: int, server_env: dict) -> dict:
    forget_server_state()
    port = _free_port()
    log = ROOT / "var" / f"bench_feed_{design}_{len(keys)}.log"
    log.parent.mkdir(exist_ok=True)
    server = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), application],
                              cwd=ROOT, env=server_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    clients = []
    started = time.monotonic()
    try:
        _wait_for_port(port)
        rss_idle = _rss_kib(server.pid)[0]
        with tempfile.TemporaryDirectory() as tmp:
            for part, chunk in enumerate(_split(keys, CLIENT_PROCESSES)):
                keys_file, out = Path(tmp) / f"keys{part}.json", Path(tmp) / f"out{part}.json"
                keys_file.write_text(json.dumps(chunk))
                clients.append((subprocess.Popen(
                    [sys.executable, __file__, "--client", f"ws://127.0.0.1:{port}/ws/v1/feed/", str(keys_file),
                     str(out)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    stderr=(ROOT / "var" / f"bench_feed_{design}_{len(keys)}_clients{part}.log").open("w")), out))
            for process, _ in clients:
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("a client process did not connect its clients")
            cpu_before = _cpu_seconds(server.pid)
            published = publish(seconds=seconds)
            cpu = (_cpu_seconds(server.pid) - cpu_before) / seconds
            time.sleep(DRAIN_SECONDS)
            rss, peak = _rss_kib(server.pid)
            for process, _ in clients:
                process.stdin.write("stop\n")
                process.stdin.flush()
            outputs = []
            for process, out in clients:
                process.wait(timeout=120)
                outputs.append(json.loads(out.read_text()))
    finally:
        for process, _ in clients:
            if process.poll() is None:
                process.kill()
        server.send_signal(signals_of_processes.SIGTERM)
        server.wait(timeout=30)
    return {"published": published, "clients": outputs, "cpu": cpu, "rss_idle": rss_idle, "rss": rss, "peak": peak,
            "seconds": time.monotonic() - started}


def forget_server_state() -> None:
    """A killed server leaves its group members and connection slots behind (they expire, later): drop them."""
    import redis
    from django.core.cache import cache

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match="asgi:group:*"):
        client.delete(key)
    from accounts.models import Tenant

    cache.delete_many([f"feed:connections:{tenant_id}:{i}" for tenant_id in Tenant.objects.values_list("pk", flat=True)
                       for i in range(KEYS_PER_TENANT)])


def publish(*, seconds: int, within: bool = False, rate: float = RATE) -> dict[int, float]:
    """`rate` signals a second through the publishing path; signal id -> time.time() of its commit. `within`:
    stop when `seconds` have passed, even if a slow machine published fewer."""
    from datetime import UTC, datetime, timedelta

    from django.db import transaction
    from django.utils import timezone

    from market.models import Instrument
    from signals.models import Signal, Strategy
    from signals.publishing import publications_schedule

    instrument, strategy = Instrument.objects.get(symbol="EURUSD"), Strategy.objects.get()
    base = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=int(time.time()) % 10_000)
    committed: dict[int, float] = {}
    started = time.monotonic()
    for i in range(round(seconds * rate)):
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        if within and time.monotonic() - started >= seconds:
            break
        stamp: dict[str, float] = {}
        with transaction.atomic():
            transaction.on_commit(lambda stamp=stamp: stamp.setdefault("at", time.time()))  # before the send's
            bar_time = base + timedelta(hours=i)
            signal = Signal.objects.create(
                instrument=instrument, asset_class="forex", timeframe="H1", direction="BUY", score=0.6,
                confidence=0.58, entry=1.1, stop=1.09, target_1=1.11, target_2=1.12, target_3=1.13, risk_reward=1.0,
                position_size_fraction=0.1, distances={"stop_pips": 100, "stop_percent": 0.91},
                regime="trending_up", reasoning="Uptrend (EMA20 above EMA50), Supertrend up, RSI 58.",
                contributions={"trend": 0.13, "supertrend": 0.09, "momentum": 0.05}, strategy=strategy,
                bar_time=bar_time, created_at=timezone.now(), valid_until=bar_time + timedelta(days=2))
            publications_schedule(signal=signal)
        committed[signal.pk] = stamp["at"]
    return committed


def report(design: str, size: int, result: dict) -> None:
    published = result["published"]
    latencies, delivered, skipped, reconnects = [], 0, 0, 0
    client_cpu = sum(output["cpu_seconds"] for output in result["clients"]) / result["seconds"]
    for output in result["clients"]:
        skipped += sum(output["skipped"])
        reconnects += sum(max(0, c - 1) for c in output["connections"])
        for records in output["records"]:
            seen = {}
            for signal_id, at in records:
                if signal_id in published and signal_id not in seen:
                    seen[signal_id] = at
                    latencies.append(1000 * (at - published[signal_id]))
            delivered += len(seen)
    expected = len(published) * size

    def p(q: int) -> float:
        return statistics.quantiles(latencies, n=100)[q - 1] if len(latencies) >= 2 else float("nan")

    print(f"  {design:5} {size:5} clients: delivered {delivered}/{expected}, lost {expected - delivered}, "
          f"duplicated or out of order {skipped}, reconnects {reconnects}; publication to delivery "
          f"p50 {p(50):.0f} ms, p95 {p(95):.0f} ms, p99 {p(99):.0f} ms; server CPU {result['cpu']:.2f} s/s "
          f"(clients {client_cpu:.2f} s/s over the whole run), "
          f"RSS {result['rss_idle'] // 1024} MiB idle, {result['rss'] // 1024} MiB after, "
          f"{result['peak'] // 1024} MiB peak")


# --- a client process ------------------------------------------------------------------------------

def client_main(argv: list[str]) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    url, keys_file, out = argv[0], Path(argv[1]), Path(argv[2])
    if CLIENT_LOOP == "uvloop":
        import uvloop

        uvloop.run(follow(url, json.loads(keys_file.read_text()), out))
    else:
        asyncio.run(follow(url, json.loads(keys_file.read_text()), out))


async def follow(url: str, keys: list[str], out: Path) -> None:
    """Follow the feed with each key until "stop" on stdin; write what each received, and when."""
    from signals.feed_client import FeedClient

    records: list[list[tuple[int, float]]] = [[] for _ in keys]

    def recorder(received: list):
        return lambda message: received.append((message["data"]["signal_id"], time.time()))

    clients = [FeedClient(url=url, key=key, on_message=recorder(records[i])) for i, key in enumerate(keys)]
    stop = asyncio.Event()
    running = []
    for client in clients:  # a few milliseconds apart, as clients arrive, not all in one instant
        running.append(asyncio.create_task(client.run(stop=stop)))
        await asyncio.sleep(CONNECT_EVERY_SECONDS)
    await asyncio.wait_for(asyncio.gather(*(client.live.wait() for client in clients)), timeout=300)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    stop.set()
    await asyncio.gather(*running, return_exceptions=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.write_text(json.dumps({"records": records, "skipped": [c.skipped for c in clients],
                               "connections": [c.connections for c in clients],
                               "cpu_seconds": usage.ru_utime + usage.ru_stime}))


# --- helpers --------------------------------------------------------------------------------------

def _split(items: list, parts: int) -> list[list]:
    return [chunk for chunk in (items[i::parts] for i in range(parts)) if chunk]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("daphne did not start")


def _rss_kib(pid: int) -> tuple[int, int]:
    """The process's resident memory now and at its peak, KiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _cpu_seconds(pid: int) -> float:
    values = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
