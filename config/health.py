"""/healthz: the state of the database, the cache/broker and the beat scheduler."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from config.tasks import BEAT_HEARTBEAT_KEY

BEAT_STALE_AFTER_SECONDS = 4 * settings.BEAT_HEARTBEAT_SECONDS


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def check_cache() -> dict:
    cache.set("beacon:health:probe", "1", timeout=10)
    if cache.get("beacon:health:probe") != "1":
        raise RuntimeError("cache did not return what was written")
    broker = "redis" if settings.REDIS_URL else "memory"
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    return {"ok": True, "broker": broker}


def check_beat() -> dict:
    last_tick = cache.get(BEAT_HEARTBEAT_KEY)
    if last_tick is None:
        raise RuntimeError("no heartbeat from beat yet")
    age = time.time() - float(last_tick)
    if age > BEAT_STALE_AFTER_SECONDS:
        raise RuntimeError(f"last heartbeat {age:.0f}s ago")
    return {"ok": True, "last_tick_age_s": round(age, 1)}


CHECKS = {"database": check_database, "cache": check_cache, "beat": check_beat}


def health_checks_run() -> dict[str, dict]:
    """Each check's result by name: {"ok": True, ...} or {"ok": False, "error": why}. Never raises."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports failures, it never raises
            results[name] = {"ok": False, "error": str(exc)}
    return results


@require_GET
def healthz(request):
    """200 with every check when all are up; 503 naming the failing ones otherwise."""
    results = health_checks_run()
    ok = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if ok else "degraded", "checks": results}, status=200 if ok else 503)
