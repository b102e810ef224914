"""Records older than 90 days are deleted; an ongoing incident is kept however old."""

from datetime import UTC, datetime, timedelta

from status.models import HealthCheck, Incident
from status.services import health_checks_prune

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_checks_and_ended_incidents_older_than_90_days_are_pruned(db):
    for days in (91, 89, 1):
        HealthCheck.objects.create(checked_at=NOW - timedelta(days=days), ok=True)
    Incident.objects.create(started_at=NOW - timedelta(days=95), last_failed_at=NOW - timedelta(days=95),
                            ended_at=NOW - timedelta(days=94))
    ongoing = Incident.objects.create(started_at=NOW - timedelta(days=100), last_failed_at=NOW)

    assert health_checks_prune(now=NOW) == 1

    assert sorted((NOW - c.checked_at).days for c in HealthCheck.objects.all()) == [1, 89]
    assert list(Incident.objects.all()) == [ongoing]
