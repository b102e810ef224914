"""The real processes the fault tests start, break and start again: a private redis-server, a private
PostgreSQL cluster, daphne serving config.asgi, and Celery workers. Each listens on 127.0.0.1 on a
free port of its own range, so the tests never touch the Redis or PostgreSQL other tests share."""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.servers import port_wait

ROOT = Path(__file__).resolve().parents[2]
WEB_PORTS = range(8200, 8300)
REDIS_PORTS = range(16390, 16400)
POSTGRES_PORTS = range(15440, 15450)


def free_port_in(ports: range) -> int:
    """A port of `ports` nothing listens on now."""
    for port in random.sample(list(ports), len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_for(condition: Callable[[], object], *, seconds: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
        time.sleep(0.05)


def database_url(name: str) -> str:
    """DATABASE_URL with the database `name` (the test's own), for a process started by a test."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + name))


def process_env(**overrides: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **overrides}


class RedisServer:
    """redis-server on a port of REDIS_PORTS, keeping nothing on disk: a restart forgets everything, as a
    cache and broker Redis without persistence does."""

    def __init__(self, workdir: Path):
        self.workdir, self.port, self.process = workdir, free_port_in(REDIS_PORTS), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_wait(self.port, seconds=10, what="redis-server")
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash: clients see their connections drop."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


class PostgresCluster:
    """A PostgreSQL cluster of its own (initdb in a new temporary directory) on a port of POSTGRES_PORTS.
    PostgreSQL refuses to run as root: as root, it runs as the postgres user, who owns the directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="beacon-faults-pg-"))
        self.data, self.port = self.dir / "data", free_port_in(POSTGRES_PORTS)
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.owner: dict = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.owner = {"user": account.pw_uid, "group": account.pw_gid}

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([str(self.bin / program), *args], check=True, capture_output=True, timeout=120, **self.owner)

    def init(self) -> PostgresCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-s", "-l", str(self.dir / "postgres.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-s", "-m", "fast", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class WebServer:
    """daphne serving config.asgi (HTTP and the feed) with the environment given."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log, self.port, self.process = env, log, free_port_in(WEB_PORTS), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def feed_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v1/feed/"

    def start(self) -> WebServer:
        return self.launch().ready()

    def launch(self) -> WebServer:
        """Start the process without waiting for it (`ready` waits): servers start side by side."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def ready(self) -> WebServer:
        port_wait(self.port, seconds=90, what="daphne")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None


class CeleryWorker:
    """`celery worker` (prefork, one child) on `queues`, in a process group of its own so that a kill
    takes the main process and its child at once, as a machine that dies does."""

    def __init__(self, env: dict[str, str], log: Path, *, queues: str, name: str):
        self.env, self.log, self.queues, self.name, self.process = env, log, queues, name, None
        self._log_start = 0

    def start(self) -> CeleryWorker:
        return self.launch().ready()

    def launch(self) -> CeleryWorker:
        """Start the process without waiting for it (`ready` waits)."""
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--queues", self.queues,
                 "--concurrency", "1", "--hostname", f"{self.name}@faults", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel", "INFO"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def ready(self) -> CeleryWorker:
        wait_for(lambda: " ready." in self.log.read_text()[self._log_start:], seconds=90,
                 what=f"worker {self.name} to start")
        return self

    def kill(self) -> None:
        """SIGKILL to the worker and its pool child: no task is acknowledged or given back."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
