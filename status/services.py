"""Writes of the status app: record a health check (and follow its incident), prune old records."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from config.health import health_checks_run
from status.freshness import data_freshness
from status.models import HealthCheck, Incident

KEEP_DAYS = 90


def health_check_record(*, now: datetime) -> HealthCheck | None:
    """Run /healthz's checks and measure the data's freshness, stored as the check of `now`'s minute;
    None, and nothing written, when that minute already has its check."""
    minute = now.replace(second=0, microsecond=0)
    if HealthCheck.objects.filter(checked_at=minute).exists():
        return None
    return health_check_store(checked_at=minute, checks=health_checks_run(), freshness=data_freshness(now=now))


@transaction.atomic
def health_check_store(*, checked_at: datetime, checks: dict[str, dict], freshness: list[dict]) -> HealthCheck | None:
    """Store the check of the minute `checked_at` (ok when every check passed) and open, extend or close
    the incident it belongs to; None, and nothing written, when that minute already has its check."""
    check, created = HealthCheck.objects.get_or_create(
        checked_at=checked_at.replace(second=0, microsecond=0),
        defaults={"ok": all(r["ok"] for r in checks.values()), "checks": checks, "freshness": freshness})
    if not created:
        return None
    _incident_follow(check)
    return check


def _incident_follow(check: HealthCheck) -> None:
    """A failed check opens an incident or extends the open one; a passing check closes it."""
    open_incident = Incident.objects.select_for_update().filter(ended_at__isnull=True).order_by("-started_at").first()
    if check.ok:
        if open_incident is not None:
            open_incident.ended_at = check.checked_at
            open_incident.save(update_fields=["ended_at"])
        return
    if open_incident is None:
        errors = [f"{name}: {check.checks[name].get('error', 'failed')}" for name in check.failing]
        Incident.objects.create(started_at=check.checked_at, last_failed_at=check.checked_at,
                                failing=check.failing, first_error="; ".join(errors)[:300])
        return
    open_incident.last_failed_at = check.checked_at
    open_incident.failed_checks += 1
    open_incident.failing = sorted(set(open_incident.failing) | set(check.failing))
    open_incident.save(update_fields=["last_failed_at", "failed_checks", "failing"])


def health_checks_prune(*, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Delete checks older than `keep_days` and incidents that ended before then; how many checks went."""
    cutoff = now - timedelta(days=keep_days)
    Incident.objects.filter(ended_at__lt=cutoff).delete()
    deleted, _ = HealthCheck.objects.filter(checked_at__lt=cutoff).delete()
    return deleted
