"""Live feed soak: 1,000 clients, 100 reconnects a second with resume and 5% slow consumers, for 10 minutes.

`--servers` daphne processes (default 2, one per core, as `ws` is scaled in production: connection
slots are counted across them in Redis) serve the feed as in production (config.asgi, PostgreSQL, channels-redis on
REDIS_URL's database; bench/feed_settings.py) on a throwaway test database of DATABASE_URL. Premium
API keys (ten a tenant, half its plan's connections, so a reconnect never waits for its old slot)
follow the feed with the reference client (signals.feed_client.FeedClient) from CLIENT_PROCESSES
processes, while this process publishes `--rate` signals a second through the real publishing path
(bench_feed.publish) for --minutes (a machine too busy to commit that many publishes fewer: the figures
say how many). The default, 2 a second, is three times the engine's busiest possible hour (Premium's run
every 60 s over 39 instruments, at most one signal each: 0.65 a second); bench_feed.py measures the
fan-out's capacity at 10 a second without churn. Meanwhile:
- churn: every second, `--churn` clients (chosen at random among those live) disconnect (a clean close)
  and connect again with the same FeedClient, which resumes after the last seq it handed on;
- slow consumers: `--slow` of the clients take 5 / rate seconds over each signal (a fifth of the feed's rate),
  so they fall behind: the server must close them (4408, a heartbeat left unanswered for its deadline,
  or 4409, the outbox full: both are the feed's slow-consumer closes) rather than buffer for them, and
  they resume after each close;
- the servers' RSS (summed) is sampled every SAMPLE_SECONDS.
When publishing stops, churn stops, the slow clients read at full speed, and each client is given up to
DRAIN_TIMEOUT_SECONDS to receive the last signal. Then, per client and counting by signal across all its
connections: lost (a published signal never handed on), doubled (a signal handed on twice, or received
again by the client and skipped: the server sent it twice). Prints those, publication-to-delivery
p50/p99 (fast clients, and slow ones apart), the RSS samples (first, last, max, least-squares slope),
reconnects, the server's closes by code, and the load average. Exits 1 if a signal was lost or
doubled, a slow client was never closed as slow, or the RSS of the last third of the run exceeds the
first third's by more than RSS_GROWTH_LIMIT. Give it a Redis database of its own (it drops the
channel layer's groups and the feed's connection slots first). Ports: the first free in 8300-8399,
or --port.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/soak_feed.py [--minutes 10] [--clients 1000]
        [--churn 100] [--slow 0.05] [--port 8300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal as signals_of_processes
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")

from bench.bench_feed import (  # noqa: E402
    CLIENT_PROCESSES,
    CONNECT_EVERY_SECONDS,
    _cpu_seconds,
    _rss_kib,
    _split,
    _wait_for_port,
    forget_server_state,
    publish,
    seed,
)

KEYS_PER_TENANT = 10
SLOW_SHARE_OF_RATE = 5  # a slow consumer reads at a fifth of the feed's rate
SOAK_RATE = 2.0  # signals a second: three times the engine's busiest possible hour (see above)
SLOW_CLOSES = (4408, 4409)  # signals.feed_protocol's CLOSE_TOO_LATE and CLOSE_TOO_SLOW
SAMPLE_SECONDS = 10
DRAIN_TIMEOUT_SECONDS = 300
RSS_GROWTH_LIMIT = 0.10
PORTS = range(8300, 8400)


def main() -> None:
    if "--client" in sys.argv:
        client_main(sys.argv[sys.argv.index("--client") + 1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of publishing (default 10)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--churn", type=float, default=100.0, help="reconnects a second, all clients (default 100)")
    parser.add_argument("--slow", type=float, default=0.05, help="share of slow consumers (default 0.05)")
    parser.add_argument("--rate", type=float, default=SOAK_RATE, help=f"signals a second (default {SOAK_RATE:g})")
    parser.add_argument("--port", type=int, default=0,
                        help="the first server's port, the others the next ones (default: free ports in 8300-8399)")
    parser.add_argument("--servers", type=int, default=2, help="daphne processes, each serving a share of the "
                                                               "client processes (default 2)")
    args = parser.parse_args()
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("soak_feed needs DATABASE_URL=postgres://... and REDIS_URL=redis://... (the production layout)")
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    connection.settings_dict["TEST"]["NAME"] = f"soak_feed_{connection.settings_dict['NAME']}"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        keys = seed(args.clients, keys_per_tenant=KEYS_PER_TENANT)
        forget_server_state()
        server_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.feed_settings",
                      "DATABASE_URL": urlunsplit(urlsplit(database_url)._replace(
                          path="/" + connection.settings_dict["NAME"])),
                      "SECRET_KEY": "soak-feed", "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "false"}
        result = soak(keys=keys, args=args, server_env=server_env)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
    sys.exit(0 if report(result, args) else 1)


def soak(*, keys: list[str], args: argparse.Namespace, server_env: dict) -> dict:
    ports = [args.port + k for k in range(args.servers)] if args.port else _free_ports_in(PORTS, args.servers)
    log = ROOT / "var" / "soak_feed.log"
    log.parent.mkdir(exist_ok=True)
    logs = [log if k == 0 else log.with_name(f"soak_feed_{k}.log") for k in range(len(ports))]
    servers = [subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                                 "config.asgi:application"], cwd=ROOT, env=server_env, stdout=logs[k].open("w"),
                                stderr=subprocess.STDOUT) for k, port in enumerate(ports)]
    slow = set(random.Random(21).sample(range(len(keys)), round(len(keys) * args.slow)))
    clients: list[tuple[subprocess.Popen, Path]] = []
    sampler = Sampler([server.pid for server in servers])
    try:
        for port in ports:
            _wait_for_port(port)
        with tempfile.TemporaryDirectory(dir=log.parent, prefix="soak_feed_") as tmp:
            for part, chunk in enumerate(_split(list(range(len(keys))), CLIENT_PROCESSES)):
                spec, out = Path(tmp) / f"spec{part}.json", Path(tmp) / f"out{part}"
                spec.write_text(json.dumps({"keys": [keys[i] for i in chunk], "slow": [i in slow for i in chunk],
                                            "churn": args.churn / CLIENT_PROCESSES,
                                            "slow_seconds": SLOW_SHARE_OF_RATE / args.rate}))
                clients.append((subprocess.Popen(
                    [sys.executable, __file__, "--client", f"ws://127.0.0.1:{ports[part % len(ports)]}/ws/v1/feed/",
                     str(spec), str(out)],
                    cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    stderr=(ROOT / "var" / f"soak_feed_clients{part}.log").open("w")), out))
            for process, _ in clients:
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError("a client process did not connect its clients")
            sampler.start()
            _tell(clients, "start")
            publishing_started = time.monotonic()
            published = publish(seconds=round(args.minutes * 60), within=True, rate=args.rate)
            publishing_seconds = time.monotonic() - publishing_started
            committed = Path(tmp) / "committed.json"
            committed.write_text(json.dumps(published))
            _tell(clients, f"drain {committed}")
            outputs = []
            for process, out in clients:
                process.wait(timeout=DRAIN_TIMEOUT_SECONDS + 120)
                outputs.append(_read_output(out))
            sampler.stop()
    finally:
        for process, _ in clients:
            if process.poll() is None:
                process.kill()
        for server in servers:
            server_stop(server)
    return {"published": len(published), "publishing_seconds": publishing_seconds, "clients": outputs,
            "samples": sampler.samples, "logs": [str(path) for path in logs]}


def server_stop(server: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within a minute (daphne closing its sockets on a busy host)."""
    server.send_signal(signals_of_processes.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Sampler:
    """The servers' RSS (KiB) and CPU seconds (summed) and the load average, every SAMPLE_SECONDS, in a thread."""

    def __init__(self, pids: list[int]):
        self.pids, self.samples = pids, []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        started = time.monotonic()
        while True:
            self.samples.append((time.monotonic() - started, sum(_rss_kib(pid)[0] for pid in self.pids),
                                 sum(_cpu_seconds(pid) for pid in self.pids), os.getloadavg()[0]))
            if self._stopping.wait(SAMPLE_SECONDS):
                return


def _tell(clients: list[tuple[subprocess.Popen, Path]], line: str) -> None:
    for process, _ in clients:
        process.stdin.write(line + "\n")
        process.stdin.flush()


def _read_output(out: Path) -> dict:
    import numpy as np

    summary = json.loads(out.with_suffix(".json").read_text())
    for kind in ("fast", "slow"):
        summary[f"latencies_{kind}"] = np.fromfile(out.with_suffix(f".{kind}.f32"), dtype=np.float32)
    return summary


def report(result: dict, args: argparse.Namespace) -> bool:
    """Print the figures; True when every promise held."""
    import numpy as np

    outputs, samples = result["clients"], result["samples"]
    total = {name: sum(output[name] for output in outputs)
             for name in ("clients", "lost", "doubled", "skipped", "reconnects", "connections", "incomplete")}
    closes: dict[str, dict[str, int]] = {"fast": {}, "slow": {}}
    for output in outputs:
        for kind in closes:
            for code, count in output["closes"][kind].items():
                closes[kind][code] = closes[kind].get(code, 0) + count
    slow_clients = sum(output["slow_clients"] for output in outputs)
    # A slow reader may never read its close frame (it waits behind frames it has not read, and the server
    # drops the connection: 1006): the servers' own log of each slow close (with the key's prefix) counts too.
    closed_by_server = _slow_closes_logged(result["logs"])
    slow_never_closed = sum(prefix not in closed_by_server for output in outputs for prefix in output["slow_unseen"])
    failed = [failure for output in outputs for failure in output["failures"]]
    during = [s for s in samples if s[0] <= result["publishing_seconds"]] or samples  # not the drain
    seconds = np.array([s[0] for s in during])
    rss = np.array([s[1] / 1024 for s in during])
    rss_drained = max(s[1] for s in samples) / 1024
    slope = np.polyfit(seconds / 60, rss, 1)[0] if len(samples) >= 2 else float("nan")
    third = max(1, len(rss) // 3)
    growth = float(np.median(rss[-third:]) / np.median(rss[:third]) - 1)
    cpu = (during[-1][2] - during[0][2]) / max(seconds[-1] - seconds[0], 1)
    loads = [s[3] for s in samples]

    def percentiles(values) -> str:
        if not len(values):
            return "none"
        p50, p99 = np.percentile(values, [50, 99])
        return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({len(values):,} deliveries)"

    slow_seconds = SLOW_SHARE_OF_RATE / args.rate
    print(f"soak_feed: {total['clients']} clients ({slow_clients} slow: {slow_seconds:.1f} s a signal) on "
          f"{args.servers} daphne processes, {args.rate:g} signals/s for {args.minutes:g} min "
          f"({result['published']:,} signals, published in {result['publishing_seconds']:.0f} s), churn "
          f"{args.churn:g} reconnects/s; load average (1 min) mean {np.mean(loads):.2f}, max {max(loads):.2f} "
          f"on {os.cpu_count()} cores")
    print(f"  lost (never handed on by the end of the drain) {total['lost']}, doubled {total['doubled']} "
          f"(of which skipped by the client as already "
          f"handed on: {total['skipped']}); clients without the last signal after the drain: {total['incomplete']}")
    churn_seconds = max(output["churn_seconds"] for output in outputs)
    print(f"  reconnects: {total['reconnects']:,} by churn in {churn_seconds:.0f} s "
          f"({total['reconnects'] / max(churn_seconds, 1):.1f}/s), "
          f"{total['connections']:,} connections in all")
    print(f"  server closes, fast clients: {_codes(closes['fast'])}; slow clients: {_codes(closes['slow'])}; "
          f"slow clients never closed as slow: {slow_never_closed}")
    for kind in ("fast", "slow"):
        latencies = np.concatenate([output[f"latencies_{kind}"] for output in outputs])
        print(f"  publication to delivery, {kind} clients: {percentiles(latencies)}")
    print(f"  servers' RSS every {SAMPLE_SECONDS} s ({len(rss)} samples): first {rss[0]:.0f} MiB, "
          f"last {rss[-1]:.0f} MiB, max {rss.max():.0f} MiB, slope {slope:+.2f} MiB/min, "
          f"last third vs first third {growth:+.1%}, while publishing; {rss_drained:.0f} MiB at most with the drain; "
          f"servers' CPU {cpu:.2f} s/s")
    print("  RSS MiB: " + " ".join(f"{s[1] / 1024:.0f}" for s in samples))
    broken = []
    if total["lost"] or total["doubled"]:
        broken.append(f"{total['lost']} lost, {total['doubled']} doubled")
    if slow_never_closed:
        broken.append(f"{slow_never_closed} slow clients never closed as slow")
    if growth > RSS_GROWTH_LIMIT:
        broken.append(f"server memory grew {growth:.1%} (limit {RSS_GROWTH_LIMIT:.0%})")
    if failed:
        broken.append(f"{len(failed)} clients stopped: {failed[:3]}")
    print("  promises: " + ("all held" if not broken else "BROKEN: " + "; ".join(broken)))
    return not broken


def _codes(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} x{count:,}" for code, count in sorted(counts.items())) or "none"


def _slow_closes_logged(logs: list[str]) -> set[str]:
    """Key prefixes the servers logged a slow-consumer close for (signals.feed_connection)."""
    closed = set()
    for log in logs:
        for line in Path(log).read_text(errors="replace").splitlines():
            if "feed: closed a slow client" in line and ", key " in line:
                closed.add(line.split(", key ", 1)[1].split(":", 1)[0])
    return closed


def _free_ports_in(ports: range, count: int) -> list[int]:
    free = []
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            free.append(port)
            if len(free) == count:
                return free
    raise RuntimeError(f"not {count} free ports in {ports.start}-{ports.stop - 1}")


# --- a client process ------------------------------------------------------------------------------

def client_main(argv: list[str]) -> None:
    import logging

    import uvloop

    logging.basicConfig(level=logging.ERROR, format="%(asctime)s %(levelname)s %(message)s")
    url, spec, out = argv[0], json.loads(Path(argv[1]).read_text()), Path(argv[2])
    uvloop.run(ClientProcess(url, spec).run(out))


class ClientProcess:
    """Clients of one process: each a FeedClient run again after every churn disconnect (it resumes)."""

    def __init__(self, url: str, spec: dict):
        from signals.feed_client import FeedClient

        self.slow = spec["slow"]
        self.slow_seconds = spec["slow_seconds"]
        self.churn_per_second = spec["churn"]
        self.draining = False
        self.ids = [array("q") for _ in spec["keys"]]  # signal ids handed on, per client, in order
        self.times = [array("d") for _ in spec["keys"]]  # and when (time.time())
        self.clients = [FeedClient(url=url, key=key, on_message=self._recorder(i))
                        for i, key in enumerate(spec["keys"])]
        self.stops = [asyncio.Event() for _ in self.clients]
        self.tasks: list[asyncio.Task] = []
        self.reconnects = 0
        self.churn_started = self.churn_seconds = 0.0
        self.failures: list[str] = []  # runs that ended with an error (a final refusal)
        self._reconnecting: set[int] = set()
        self._reconnects: set[asyncio.Task] = set()

    def _recorder(self, i: int):
        ids, times, slow = self.ids[i], self.times[i], self.slow[i]

        async def record(message: dict) -> None:
            if message["type"] == "signal.published":
                ids.append(message["data"]["signal_id"])
                times.append(time.time())
            if slow and not self.draining:
                await asyncio.sleep(self.slow_seconds)
        return record

    async def run(self, out: Path) -> None:
        for i, client in enumerate(self.clients):  # a few milliseconds apart, as clients arrive
            self.tasks.append(asyncio.create_task(client.run(stop=self.stops[i])))
            await asyncio.sleep(CONNECT_EVERY_SECONDS)
        await asyncio.wait_for(asyncio.gather(*(client.live.wait() for client in self.clients)), timeout=300)
        print("ready", flush=True)
        await self._line()  # start
        churning = asyncio.create_task(self._churn())
        committed = {int(k): v for k, v in json.loads(Path((await self._line()).split(" ", 1)[1]).read_text()).items()}
        churning.cancel()
        while self._reconnecting:
            await asyncio.sleep(0.1)
        self.draining = True
        last = max(committed)
        deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not all(ids and ids[-1] >= last for ids in self.ids):
            await asyncio.sleep(0.5)
        for stop in self.stops:
            stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self._write(out, committed, last)

    async def _line(self) -> str:
        return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()

    async def _churn(self) -> None:
        """`churn_per_second` reconnects a second, each of a random live fast client not already reconnecting
        (a slow one is left to fall behind until the server closes it)."""
        loop = asyncio.get_running_loop()
        fast = [i for i, slow in enumerate(self.slow) if not slow]
        next_at = self.churn_started = loop.time()
        while fast:
            next_at += 1 / self.churn_per_second
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            self.churn_seconds = loop.time() - self.churn_started
            for _ in range(20):
                i = random.choice(fast)
                client = self.clients[i]  # (one that has a seq to resume after)
                if i not in self._reconnecting and client.live.is_set() and client.last_seq is not None:
                    self._reconnecting.add(i)
                    self._reconnects.add(asyncio.create_task(self._reconnect(i)))
                    break

    async def _reconnect(self, i: int) -> None:
        """Disconnect client i (a clean close) and run it again: it resumes after its last seq."""
        try:
            self.stops[i].set()
            ended = (await asyncio.gather(self.tasks[i], return_exceptions=True))[0]
            if isinstance(ended, BaseException):
                self.failures.append(repr(ended))
            self.stops[i] = asyncio.Event()
            self.tasks[i] = asyncio.create_task(self.clients[i].run(stop=self.stops[i]))
            self.reconnects += 1
        finally:
            self._reconnecting.discard(i)
            self._reconnects.discard(asyncio.current_task())

    def _write(self, out: Path, committed: dict[int, float], last: int) -> None:
        import numpy as np

        lost = doubled = incomplete = 0
        slow_unseen: list[str] = []  # key prefixes of slow clients that read no slow close of their own
        published = np.array(list(committed), dtype=np.int64)
        latencies: dict[str, list] = {"fast": [], "slow": []}
        closes: dict[str, dict[str, int]] = {"fast": {}, "slow": {}}
        for i, client in enumerate(self.clients):
            kind = "slow" if self.slow[i] else "fast"
            ids = np.frombuffer(self.ids[i], dtype=np.int64)
            of_this_run = np.isin(ids, published)
            published_ids = ids[of_this_run]
            unique, first = np.unique(published_ids, return_index=True)
            lost += len(committed) - len(unique)
            doubled += len(published_ids) - len(unique) + client.skipped
            incomplete += not (len(ids) and ids[-1] >= last)
            at = np.frombuffer(self.times[i], dtype=np.float64)[of_this_run][first]
            latencies[kind].append(1000 * (at - np.array([committed[int(s)] for s in unique])))
            for code, count in client.closes.items():
                closes[kind][str(code)] = closes[kind].get(str(code), 0) + count
            if self.slow[i] and not any(client.closes[code] for code in SLOW_CLOSES):
                slow_unseen.append(client.key.split(".", 1)[0])
        for kind, values in latencies.items():
            joined = np.concatenate(values) if values else np.array([])
            joined.astype(np.float32).tofile(out.with_suffix(f".{kind}.f32"))
        failures = self.failures + [repr(task.exception()) for task in self.tasks
                                    if not task.cancelled() and task.exception()]
        out.with_suffix(".json").write_text(json.dumps({
            "clients": len(self.clients), "slow_clients": sum(self.slow), "lost": lost, "doubled": doubled,
            "skipped": sum(client.skipped for client in self.clients), "incomplete": incomplete,
            "reconnects": self.reconnects, "churn_seconds": self.churn_seconds,
            "connections": sum(client.connections for client in self.clients),
            "closes": closes, "slow_unseen": slow_unseen, "failures": failures}))


if __name__ == "__main__":
    main()
