"""Reads of the status page: the service now, its uptime per day and incidents over 90 days, the
engine's runs per tier and the data's freshness per asset class, all from recorded checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from billing.selectors import plan_list_public
from signals.feed_selectors import engine_status
from status.models import HealthCheck, Incident
from status.periodic_tasks import HEALTH_CHECK_SECONDS
from status.services import KEEP_DAYS

CHECKS_PER_DAY = 24 * 3600 // HEALTH_CHECK_SECONDS
# The newest check is "now" while it is at most this old; older, checks are not being recorded.
CURRENT_FOR = timedelta(seconds=3 * HEALTH_CHECK_SECONDS)


@dataclass(frozen=True)
class DayUptime:
    day: date
    checks: int  # recorded that day (CHECKS_PER_DAY when none was missed)
    ok: int

    @property
    def uptime_pct(self) -> float | None:
        """Passed checks over recorded checks, in %; None on a day without any."""
        return 100 * self.ok / self.checks if self.checks else None


@dataclass(frozen=True)
class ServiceNow:
    latest: HealthCheck | None  # None on a fresh install
    current: bool  # the latest check is recent (checks are being recorded)

    @property
    def state(self) -> str:
        """"no_data", "stale" (no recent check), "ok" or "degraded"."""
        if self.latest is None:
            return "no_data"
        if not self.current:
            return "stale"
        return "ok" if self.latest.ok else "degraded"


def service_now(*, now: datetime) -> ServiceNow:
    latest = HealthCheck.objects.order_by("-checked_at").first()
    return ServiceNow(latest=latest, current=latest is not None and now - latest.checked_at <= CURRENT_FOR)


def uptime_days(*, now: datetime, days: int = KEEP_DAYS) -> list[DayUptime]:
    """One entry per UTC day of the last `days` (oldest first, today last), days without checks included."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    counted = {row["day"]: row for row in (
        HealthCheck.objects.filter(checked_at__gte=datetime.combine(first, time(), UTC))
        .annotate(day=TruncDate("checked_at", tzinfo=UTC)).values("day")
        .annotate(checks=Count("id"), passed=Count("id", filter=Q(ok=True))).order_by())}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = counted.get(day, {"checks": 0, "passed": 0})
        result.append(DayUptime(day=day, checks=row["checks"], ok=row["passed"]))
    return result


def uptime_overall_pct(days: list[DayUptime]) -> float | None:
    """Passed over recorded checks across `days`, in %; None without any check."""
    checks = sum(d.checks for d in days)
    return 100 * sum(d.ok for d in days) / checks if checks else None


def incident_list(*, now: datetime, days: int = KEEP_DAYS, limit: int = 50) -> list[Incident]:
    """Incidents open now or ended within `days`, newest first."""
    since = now - timedelta(days=days)
    return list(Incident.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=since))
                .order_by("-started_at")[:limit])


def engine_runs_by_tier() -> list[dict]:
    """The engine's newest run and last hour for each public plan's tier (signals.feed_selectors)."""
    return [{"plan": plan.name, **engine_status(tier=plan.code)} for plan in plan_list_public()]
