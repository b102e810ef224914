"""Reads of backtests, always inside one tenant."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from backtests.models import Backtest, BacktestStatus


def backtest_list(*, tenant) -> QuerySet[Backtest]:
    """The tenant's backtests, newest first."""
    return Backtest.objects.for_tenant(tenant).select_related("instrument")


def backtest_get(*, tenant, pk: int) -> Backtest | None:
    """The tenant's backtest `pk`; None for another tenant's or a missing one."""
    return backtest_list(tenant=tenant).filter(pk=pk).first()


def backtests_started_today(*, tenant, now: datetime | None = None) -> int:
    """Backtests the tenant asked for since 00:00 UTC (what the plan's backtests_per_day counts)."""
    now = now or timezone.now()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Backtest.objects.for_tenant(tenant).filter(created_at__gte=midnight,
                                                      created_at__lt=midnight + timedelta(days=1)).count()


def backtest_cached(*, cache_key: str) -> Backtest | None:
    """A finished run with the same (strategy version, data, parameters): its result is the same."""
    return Backtest.objects.filter(cache_key=cache_key, status=BacktestStatus.DONE).order_by("-id").first()
