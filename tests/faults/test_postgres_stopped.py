"""PostgreSQL stops under a live server: /healthz answers 503 naming the database, a page and an API
call answer a clear maintenance error (503, Retry-After, no traceback), and when PostgreSQL is back
everything answers 200 again, without restarting the server.

The cluster is this test's own (initdb in a temporary directory, migrated by `manage.py migrate`), so
stopping it disturbs no other test."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pytest
import requests
from django.core.cache.backends.redis import RedisCache

from config.tasks import BEAT_HEARTBEAT_KEY
from tests.faults.processes import ROOT, PostgresCluster, RedisServer, WebServer, process_env, wait_for

pytestmark = pytest.mark.postgres  # PostgreSQL's own binaries run the cluster

SETUP = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from accounts.models import Tenant
from accounts.services import api_key_create
from billing.models import Plan, Subscription
from billing.services import plan_catalogue_seed
from config.tasks import beat_heartbeat
plan_catalogue_seed()
tenant = Tenant.objects.create(name="Desk", slug="desk")
Subscription.objects.create(tenant=tenant, plan=Plan.objects.get(code="pro"), status="active")
print(api_key_create(tenant=tenant, name="faults", scope="read", created_by=None)[1])
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.fixture
def cluster():
    cluster = PostgresCluster().init()
    cluster.start()
    yield cluster
    with contextlib.suppress(subprocess.CalledProcessError):  # stopped already
        cluster.stop()
    cluster.remove()


def beat_heartbeat_in(redis: RedisServer) -> None:
    """What beat's heartbeat task writes, in the server's cache (no beat runs here; /healthz asks for it)."""
    RedisCache(redis.url, {}).set(BEAT_HEARTBEAT_KEY, time.time(), timeout=3600)


def answers(server: WebServer, key: str) -> dict[str, requests.Response]:
    get = lambda path, **kw: requests.get(server.url + path, timeout=30, **kw)  # noqa: E731
    return {"healthz": get("/healthz"), "page": get("/pricing/"),
            "api": get("/api/v1/watchlists/", headers={"Authorization": f"Bearer {key}"})}


def test_with_postgresql_stopped_the_web_answers_503_clearly_and_recovers_when_it_returns(
        cluster, private_redis, tmp_path):
    subprocess.run(["psql", cluster.url(), "-qc", "CREATE DATABASE beacon"], check=True, capture_output=True)
    # The pool waits DATABASE_POOL_TIMEOUT for a connection before a request fails: short here.
    env = process_env(DATABASE_URL=cluster.url("beacon"), REDIS_URL=private_redis.url, DATABASE_POOL_TIMEOUT="2")
    key = manage(env, "shell", "-c", SETUP).splitlines()[-1]  # migrates it, then a tenant with an API key
    server = WebServer(env, tmp_path / "daphne.log").start()
    beat_heartbeat_in(private_redis)
    try:
        assert {name: r.status_code for name, r in answers(server, key).items()} == \
            {"healthz": 200, "page": 200, "api": 200}

        cluster.stop()
        down = answers(server, key)

        assert down["healthz"].status_code == 503
        assert down["healthz"].json()["checks"]["database"]["ok"] is False
        assert down["healthz"].json()["checks"]["cache"]["ok"] is True
        page, api = down["page"], down["api"]
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        assert page.headers["Content-Type"].startswith("text/html") and "Briefly unavailable" in page.text
        assert api.status_code == 503 and api.headers["Retry-After"] == "30"
        assert api.json() == {"error": {"code": "unavailable", "message": api.json()["error"]["message"]}}
        assert "database cannot be reached" in api.json()["error"]["message"]
        for response in down.values():
            assert "Traceback" not in response.text and "psycopg" not in response.text

        cluster.start()
        wait_for(lambda: all(r.status_code == 200 for r in answers(server, key).values()), seconds=30,
                 what="every answer to be 200 again")
        for _ in range(3):  # and it stays so: no broken pooled connection is handed out later
            assert {name: r.status_code for name, r in answers(server, key).items()} == \
                {"healthz": 200, "page": 200, "api": 200}
    finally:
        server.stop()
