"""Incidents are runs of consecutive failed checks: opened by the first, closed by the next passing check."""

from datetime import UTC, datetime, timedelta

from status.models import Incident
from status.services import health_check_store

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
PASS = {"database": {"ok": True}, "cache": {"ok": True}, "beat": {"ok": True}}


def _fail(*names):
    return {**PASS, **{name: {"ok": False, "error": f"{name} is down"} for name in names}}


def _store(minute: int, checks: dict):
    return health_check_store(checked_at=START + timedelta(minutes=minute), checks=checks, freshness=[])


def test_consecutive_failures_are_one_incident_closed_by_the_next_passing_check(db):
    _store(0, PASS)
    _store(1, _fail("cache"))
    _store(2, _fail("cache", "beat"))
    _store(3, _fail("beat"))
    assert Incident.objects.get().ended_at is None  # ongoing
    _store(4, PASS)

    incident = Incident.objects.get()
    assert incident.started_at == START + timedelta(minutes=1)
    assert incident.ended_at == START + timedelta(minutes=4)
    assert incident.failed_checks == 3 and incident.failing == ["beat", "cache"]
    assert incident.first_error == "cache: cache is down"


def test_a_failure_after_recovery_opens_a_new_incident(db):
    _store(0, _fail("database"))
    _store(1, PASS)
    _store(2, _fail("database"))

    assert Incident.objects.count() == 2
    assert Incident.objects.filter(ended_at__isnull=True).count() == 1


def test_passing_checks_open_no_incident(db):
    for minute in range(5):
        _store(minute, PASS)

    assert not Incident.objects.exists()
