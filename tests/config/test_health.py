import time

from django.core.cache import cache

from config.tasks import BEAT_HEARTBEAT_KEY, beat_heartbeat


def test_healthz_is_503_and_names_beat_when_beat_never_ticked(client, db):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is True
    assert body["checks"]["beat"] == {"ok": False, "error": "no heartbeat from beat yet"}


def test_healthz_is_200_after_the_beat_heartbeat_task_ran(client, db):
    beat_heartbeat.apply()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_reports_a_stale_heartbeat(client, db):
    cache.set(BEAT_HEARTBEAT_KEY, time.time() - 3600)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert "last heartbeat" in response.json()["checks"]["beat"]["error"]


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    from config import health

    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    beat_heartbeat.apply()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "connection refused"}
