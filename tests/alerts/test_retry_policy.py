"""The one retry policy of alert deliveries (pure): exponential backoff with jitter, the service's wait
first, and nothing after 24 hours."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from alerts.retry_policy import DEFAULT_POLICY, backoff_delay, next_attempt_at

START = datetime(2024, 6, 11, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("attempts", "full_seconds"), [(1, 30), (2, 60), (3, 120), (6, 960), (8, 3600), (20, 3600)])
def test_the_backoff_doubles_from_30_seconds_up_to_an_hour_and_jitters_in_its_upper_half(attempts, full_seconds):
    lowest = backoff_delay(attempts=attempts, random=lambda: 0.0)
    highest = backoff_delay(attempts=attempts, random=lambda: 0.999999)

    assert lowest == timedelta(seconds=full_seconds / 2)
    assert timedelta(seconds=full_seconds / 2) < highest <= timedelta(seconds=full_seconds)


def test_two_deliveries_failing_together_retry_apart():
    first = next_attempt_at(attempts=3, first_attempt_at=START, now=START, retry_after=None, random=lambda: 0.1)
    second = next_attempt_at(attempts=3, first_attempt_at=START, now=START, retry_after=None, random=lambda: 0.9)

    assert second - first == timedelta(seconds=48)


def test_the_wait_the_service_asked_for_comes_first():
    at = next_attempt_at(attempts=1, first_attempt_at=START, now=START, retry_after=35, random=lambda: 0.5)

    assert at == START + timedelta(seconds=35)


def test_no_retry_falls_after_24_hours_from_the_first_attempt():
    late = START + DEFAULT_POLICY.window - timedelta(minutes=10)

    assert next_attempt_at(attempts=30, first_attempt_at=START, now=late, retry_after=None, random=lambda: 0.5) is None
    assert next_attempt_at(attempts=30, first_attempt_at=START, now=late, retry_after=60,
                           random=lambda: 0.5) == late + timedelta(seconds=60)


def test_a_day_of_failures_is_tried_a_few_dozen_times_at_most_an_hour_apart():
    now, times = START, [START]
    while (at := next_attempt_at(attempts=len(times), first_attempt_at=START, now=now, retry_after=None,
                                 random=lambda: 0.5)) is not None:
        now = at
        times.append(at)

    gaps = [b - a for a, b in pairwise(times)]
    assert 30 <= len(times) <= 45
    assert max(gaps) <= timedelta(hours=1)
    assert times[-1] - START > timedelta(hours=23)
