"""The public status page: the service now, uptime per day and incidents over 90 days, engine runs and
data freshness, all from recorded checks; honest when there are none."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from status.models import HealthCheck
from status.selectors import uptime_days
from status.services import health_check_store

PASS = {"database": {"ok": True}, "cache": {"ok": True}, "beat": {"ok": True}}
FAIL = {**PASS, "cache": {"ok": False, "error": "cache did not return what was written"}}


def test_a_fresh_install_says_no_data_yet(client, db):
    page = client.get("/status/").content.decode()

    assert "No data yet" in page and "uptime-overall" not in page
    assert "No run yet" in page  # each public plan's engine, none run


def test_the_page_shows_the_latest_check_uptime_and_the_incident(client, db):
    now = timezone.now()
    for minutes, checks in ((5, PASS), (4, FAIL), (3, FAIL), (2, PASS), (1, PASS)):
        health_check_store(checked_at=now - timedelta(minutes=minutes), checks=checks,
                           freshness=[{"asset_class": "forex", "series": 2, "late": 0,
                                       "newest_bar": "2026-12-03T06:00:00Z", "worst_series": "EURUSD H1",
                                       "worst_missing": 0}])

    page = client.get("/status/").content.decode()

    assert "All systems operational" in page
    assert "Uptime <strong data-testid=\"uptime-overall\">60.000%</strong>" in page  # 3 of 5 checks passed
    assert "cache failed 2 checks in a row" in page
    assert "2026-12-03 06:00 UTC" in page and "none missing" in page


def test_a_failing_latest_check_is_degraded_naming_it(client, db):
    health_check_store(checked_at=timezone.now(), checks=FAIL, freshness=[])

    page = client.get("/status/").content.decode()

    assert "Degraded: cache" in page and "ongoing" in page


def test_without_a_recent_check_the_page_says_checks_are_not_being_recorded(client, db):
    health_check_store(checked_at=timezone.now() - timedelta(minutes=10), checks=PASS, freshness=[])

    assert "Checks are not being recorded" in client.get("/status/").content.decode()


def test_uptime_has_one_entry_per_day_days_without_checks_included(db):
    with time_machine.travel("2026-12-03 12:00:00Z", tick=False):
        now = timezone.now()
        HealthCheck.objects.bulk_create(
            [HealthCheck(checked_at=now - timedelta(days=2, minutes=m), ok=m != 0) for m in range(4)])
        days = uptime_days(now=now)

    assert len(days) == 90 and days[-1].day.isoformat() == "2026-12-03"
    assert (days[-3].checks, days[-3].ok, days[-3].uptime_pct) == (4, 3, 75.0)
    assert days[-1].uptime_pct is None and days[0].checks == 0
