"""API soak: many keys at twice their plan's rate limit; every refusal a correct 429, the limit exact.

Served as in production, as bench_api.py serves it: production settings, PostgreSQL and Redis
(DATABASE_URL and REDIS_URL are required), gunicorn with deploy/gunicorn.conf.py (`--setup`, as in bench_api),
on a throwaway test database with a few signals. Tenants, one API key
each: `--premium` on Premium (600 requests a minute), `--pro` on Pro (60), `--free` on Free (no API).
Each key requests `GET /api/v1/signals/` at twice its plan's per-minute limit (Free at FREE_RATE a
second), on a fixed schedule (a request goes out on time whether or not the previous one answered),
for `--minutes`, from one aiohttp process on uvloop (SOAK_API_CLIENT_LOOP=asyncio for asyncio's own
loop). The limits are the tenant's (every key of a tenant counts in one window).

Checks, per response (a window is identified by the X-RateLimit-Reset the server sent):
- no 5xx; Pro and Premium get 200 or 429, Free 403; every error is JSON `{"error": {"code", "message"}}`;
- 200: X-RateLimit-Limit is the plan's per-minute limit, X-RateLimit-Remaining in 0..limit-1, and
  X-RateLimit-Reset the end of the minute the request was served in;
- 429: Retry-After the whole seconds to that reset (1 at least), Remaining 0, the same Limit and Reset;
- per tenant and window: allowed = min(limit, requests answered in it), and the allowed requests'
  Remaining values are limit-1, limit-2, ... each once (the counter is atomic across processes).
Prints the counts, p50/p95/p99 of allowed and of refused requests (issue 15's target: p95 of allowed
under P95_TARGET_MS), the servers' CPU and the generator's, and the load average. Exits 1 when a check
fails or the p95 of allowed requests misses the target. Give it a Redis database of its own: it drops the rate counters
(`beacon:api:*`) first, since a tenant id of an earlier run counts in the same windows. Port: the first
free in 8300-8399, or --port.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/soak_api.py [--minutes 2] [--premium 10]
        [--pro 30] [--free 10] [--setup gthread:4x2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LOG_LEVEL", "ERROR")  # not a line for each 403 and 429 (the servers print to this terminal)

from bench.bench_api import Setup, served  # noqa: E402  (sets the production environment)
from bench.soak_feed import PORTS, _free_ports_in  # noqa: E402

FREE_RATE = 1.0  # requests a second of a Free key (its plan has no API: each answered 403)
P95_TARGET_MS = 50.0
CLIENT_LOOP = os.environ.get("SOAK_API_CLIENT_LOOP", "uvloop")  # the generator must not be the bottleneck
SIGNALS = 20
URL_PATH = "/api/v1/signals/"


@dataclass(frozen=True)
class Key:
    plan: str
    limit: int  # requests a minute; 0: no API
    header: str


@dataclass(frozen=True)
class Answer:
    key: int
    status: int
    sent: float  # time.time()
    received: float
    headers: dict[str, str]
    error_code: str | None  # the JSON error's code, "" if the body is not such JSON, None on a success


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="minutes of requests (default 2)")
    parser.add_argument("--premium", type=int, default=10, help="Premium keys (default 10)")
    parser.add_argument("--pro", type=int, default=30, help="Pro keys (default 30)")
    parser.add_argument("--free", type=int, default=10, help="Free keys (default 10)")
    parser.add_argument("--setup", default="gthread:4x2",
                        help="gunicorn as in production: worker class:processes[xthreads] (default gthread:4x2)")
    parser.add_argument("--port", type=int, default=0, help="(default: the first free in 8300-8399)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("soak_api needs DATABASE_URL=postgres://... and REDIS_URL=redis://...")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    connection.settings_dict["TEST"]["NAME"] = f"soak_api_{connection.settings_dict['NAME']}"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        keys = seed(premium=args.premium, pro=args.pro, free=args.free)
        rate_counters_forget()
        connection.close()
        with served(Setup.parse(args.setup), ways=["direct"], database=connection.settings_dict["NAME"],
                    port_base=args.port or _free_ports_in(PORTS, 1)[0]) as entrances:
            server = entrances["direct"]
            load_before, cpu_before = os.getloadavg(), server.cpu_seconds()
            started, client_cpu_before = time.monotonic(), time.process_time()
            run = uvloop.run if CLIENT_LOOP == "uvloop" else asyncio.run
            answers = run(soak(server.base_url + URL_PATH, keys, seconds=args.minutes * 60))
            elapsed = time.monotonic() - started
            cpu = (server.cpu_seconds() - cpu_before) / elapsed
            client_cpu = (time.process_time() - client_cpu_before) / elapsed
            load_after = os.getloadavg()
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
    held = report(answers, keys, args=args, elapsed=elapsed, cpu=(cpu, client_cpu), load=(load_before, load_after))
    sys.exit(0 if held else 1)


def seed(*, premium: int, pro: int, free: int) -> list[Key]:
    """Signals to list, and one tenant with one read key per requested key, on its plan."""
    from accounts.models import Tenant
    from accounts.services import api_key_create
    from billing.models import Plan, Subscription, SubscriptionStatus
    from market.models import Instrument
    from market.services import instrument_catalogue_load
    from signals.services import signal_create, strategy_default_ensure
    from tests.api_v1.conftest import a_draft

    instrument_catalogue_load()
    strategy = strategy_default_ensure()
    for instrument in Instrument.objects.order_by("symbol")[:SIGNALS // 2]:
        for timeframe in ("H1", "D1"):
            signal_create(draft=a_draft(timeframe=timeframe), instrument=instrument, strategy=strategy)
    keys = []
    for code, count in (("premium", premium), ("pro", pro), ("free", free)):
        plan = Plan.objects.get(code=code)
        for i in range(count):
            tenant = Tenant.objects.create(name=f"Soak {code} {i}", slug=f"soak-{code}-{i}")
            Subscription.objects.create(tenant=tenant, plan=plan, status=SubscriptionStatus.ACTIVE)
            _, plaintext = api_key_create(tenant=tenant, name="soak", scope="read", created_by=None)
            keys.append(Key(plan=code, limit=plan.api_requests_per_minute, header=f"Bearer {plaintext}"))
    return keys


def rate_counters_forget() -> None:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for name in client.scan_iter(match="*beacon:api:*"):
        client.delete(name)


async def soak(url: str, keys: list[Key], *, seconds: float) -> list[Answer]:
    """Each key's requests on its schedule (twice its limit) for `seconds`; every answer."""
    import aiohttp

    answers: list[Answer] = []
    pending: set[asyncio.Task] = set()

    async def request(session, index: int) -> None:
        sent = time.time()
        try:
            async with session.get(url, headers={"Authorization": keys[index].header}) as response:
                body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:  # no answer: status 0, a broken promise
            answers.append(Answer(index, 0, sent, time.time(), {}, repr(error)))
            return
        error_code = None
        if response.status != 200:
            error_code = _error_code(body)
        answers.append(Answer(index, response.status, sent, time.time(), dict(response.headers), error_code))

    async def schedule(session, index: int, start: float) -> None:
        per_second = 2 * keys[index].limit / 60 or FREE_RATE
        loop = asyncio.get_running_loop()
        at = start + (index % 97) / 97 / per_second  # keys out of step with one another
        while at < start + seconds:
            await asyncio.sleep(max(0.0, at - loop.time()))
            task = asyncio.create_task(request(session, index))
            pending.add(task)
            task.add_done_callback(pending.discard)
            at += 1 / per_second

    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        start = asyncio.get_running_loop().time()
        await asyncio.gather(*(schedule(session, i, start) for i in range(len(keys))))
        await asyncio.gather(*list(pending))
    return answers


def _error_code(body: bytes) -> str:
    import json

    try:
        error = json.loads(body)["error"]
        return str(error["code"]) if error.get("message") else ""
    except (ValueError, KeyError, TypeError):
        return ""


def check(answers: list[Answer], keys: list[Key]) -> tuple[list[str], Counter]:
    """Every broken promise (at most a few of each kind), and the count of (plan, status)."""
    problems: dict[str, list[str]] = defaultdict(list)
    statuses: Counter = Counter()
    windows: dict[tuple[int, int], list[Answer]] = defaultdict(list)
    for answer in answers:
        key = keys[answer.key]
        statuses[key.plan, answer.status] += 1
        expected = (403,) if key.limit == 0 else (200, 429)
        if answer.status >= 500 or answer.status not in expected:  # (0: no answer)
            problems[f"{key.plan} answered {answer.status}"].append(str(answer.headers.get("Content-Type")))
            continue
        if answer.status != 200 and not answer.error_code:
            problems[f"{answer.status} without a JSON error"].append(str(answer.key))
        if key.limit == 0:
            continue
        wrong = _header_problem(answer, key)
        if wrong:
            problems[wrong].append(f"key {answer.key}: {answer.status} {answer.headers.get('X-RateLimit-Remaining')}")
            continue
        windows[answer.key, int(answer.headers["X-RateLimit-Reset"])].append(answer)
    for (index, reset), in_window in windows.items():
        limit = keys[index].limit
        allowed = sorted(int(a.headers["X-RateLimit-Remaining"]) for a in in_window if a.status == 200)
        if len(allowed) != min(limit, len(in_window)):
            problems["allowed in a window is not min(limit, answered)"].append(
                f"key {index} window ending {reset}: {len(allowed)} allowed of {len(in_window)}, limit {limit}")
        if allowed != list(range(limit - len(allowed), limit)):
            problems["allowed requests' Remaining are not limit-1, limit-2, ... once each"].append(f"key {index}")
    return [f"{name} (x{len(cases)}, e.g. {cases[:2]})" for name, cases in problems.items()], statuses


def _header_problem(answer: Answer, key: Key) -> str:
    """What is wrong with a metered answer's rate-limit headers; "" if nothing."""
    headers = answer.headers
    try:
        limit, remaining, reset = (int(headers[f"X-RateLimit-{name}"]) for name in ("Limit", "Remaining", "Reset"))
    except (KeyError, ValueError):
        return "X-RateLimit-Limit, -Remaining or -Reset missing or not a number"
    if limit != key.limit:
        return "X-RateLimit-Limit is not the plan's per-minute limit"
    if reset % 60 or not answer.sent - 1 < reset <= answer.received + 61:
        return "X-RateLimit-Reset is not the end of the minute the request was served in"
    if answer.status == 200:
        return "" if 0 <= remaining < limit else "X-RateLimit-Remaining out of 0..limit-1"
    if remaining != 0:
        return "a 429's X-RateLimit-Remaining is not 0"
    try:
        retry_after = int(headers["Retry-After"])
    except (KeyError, ValueError):
        return "a 429 without a whole-seconds Retry-After"
    if not (max(1, reset - answer.received - 1) <= retry_after <= max(1.0, reset - answer.sent) + 0.01):
        return "Retry-After is not the seconds to X-RateLimit-Reset"
    return ""


def report(answers: list[Answer], keys: list[Key], *, args: argparse.Namespace, elapsed: float,
           cpu: tuple[float, float], load: tuple[tuple[float, ...], tuple[float, ...]]) -> bool:
    problems, statuses = check(answers, keys)
    latency = {status: sorted(1000 * (a.received - a.sent) for a in answers
                              if a.status == status and keys[a.key].limit) for status in (200, 429)}
    plans = Counter(key.plan for key in keys)
    print(f"soak_api: {len(keys)} keys ({', '.join(f'{n} {plan}' for plan, n in plans.items())}), each at twice "
          f"its plan's per-minute limit (Free at {FREE_RATE:g}/s), {len(answers):,} requests in {elapsed:.0f} s "
          f"({len(answers) / elapsed:.0f}/s); gunicorn {args.setup} (deploy/gunicorn.conf.py), production settings; "
          f"servers' CPU {cpu[0]:.2f} s/s, this load generator's (aiohttp on {CLIENT_LOOP}) {cpu[1]:.2f} s/s; "
          f"load average {' '.join(f'{x:.2f}' for x in load[0])} before, "
          f"{' '.join(f'{x:.2f}' for x in load[1])} after, on {os.cpu_count()} cores")
    print("  answers: " + ", ".join(f"{plan} {status or 'none'} x{count:,}"
                                    for (plan, status), count in sorted(statuses.items())))
    for status, values in latency.items():
        if len(values) >= 2:
            p50, p95, p99 = (statistics.quantiles(values, n=100, method="inclusive")[q - 1] for q in (50, 95, 99))
            print(f"  {'allowed (200)' if status == 200 else 'refused (429)'} latency ms: p50 {p50:.1f}, "
                  f"p95 {p95:.1f}, p99 {p99:.1f} ({len(values):,} requests)")
    windows = {(a.key, a.headers.get("X-RateLimit-Reset")) for a in answers if keys[a.key].limit}
    print(f"  {len(windows)} (key, minute) windows checked: allowed = min(limit, answered), "
          "Remaining counted down once")
    allowed = latency[200]
    if len(allowed) >= 2:
        p95 = statistics.quantiles(allowed, n=100, method="inclusive")[94]
        if p95 >= P95_TARGET_MS:
            problems.append(f"p95 of allowed requests {p95:.1f} ms is over the target {P95_TARGET_MS:g} ms")
    print("  promises: " + ("all held" if not problems else "BROKEN: " + "; ".join(problems)))
    return not problems


if __name__ == "__main__":
    main()
