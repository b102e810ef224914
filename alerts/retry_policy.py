"""When a failed alert delivery is tried again: the one retry policy of every channel (pure, no Django).

Exponential backoff with jitter, or the wait the service asked for (Retry-After, Telegram's
`retry_after`, Discord's reset-after), for up to `window` after the first attempt; after that, or
after a permanent error, the delivery has failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    window: timedelta = timedelta(hours=24)


DEFAULT_POLICY = RetryPolicy()


def backoff_delay(*, attempts: int, random: Callable[[], float], policy: RetryPolicy = DEFAULT_POLICY) -> timedelta:
    """The wait after `attempts` failed attempts: first_delay x 2^(attempts-1), capped at max_delay, of which
    the second half is random ("equal jitter": retries of many deliveries spread out, none comes early)."""
    full = min(policy.first_delay * 2 ** max(attempts - 1, 0), policy.max_delay)
    return full / 2 + full / 2 * random()


def next_attempt_at(*, attempts: int, first_attempt_at: datetime, now: datetime, retry_after: float | None,
                    random: Callable[[], float], policy: RetryPolicy = DEFAULT_POLICY) -> datetime | None:
    """When to try again after `attempts` failed attempts, the service's `retry_after` (seconds) first; None
    once that would fall past the window that began at the first attempt."""
    wait = timedelta(seconds=retry_after) if retry_after is not None else backoff_delay(
        attempts=attempts, random=random, policy=policy)
    at = now + wait
    return at if at <= first_attempt_at + policy.window else None
