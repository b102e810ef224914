from django.shortcuts import render
from django.utils import timezone

from status.selectors import (
    CHECKS_PER_DAY,
    engine_runs_by_tier,
    incident_list,
    service_now,
    uptime_days,
    uptime_overall_pct,
)


def status_page(request):
    """The service now and over 90 days, from the recorded health checks: for anyone."""
    now = timezone.now()
    days = uptime_days(now=now)
    return render(request, "status/status.html", {
        "service": service_now(now=now), "days": days, "overall_pct": uptime_overall_pct(days),
        "incidents": incident_list(now=now), "engines": engine_runs_by_tier(), "checks_per_day": CHECKS_PER_DAY,
        "bars_width": 10 * len(days),
    })
