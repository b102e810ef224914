"""Reads of backtests, always inside one tenant."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone

from backtests.models import Backtest, BacktestStatus
from backtests.parameters import BacktestParams
from billing.entitlements import tenant_entitlements
from billing.models import Plan
from billing.selectors import plan_list_public
from market.arrays import BarArrays
from market.models import Instrument
from market.selectors import bar_list_closed

MAX_BARS = 20_000


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


@dataclass(frozen=True)
class Allowance:
    """Today's backtests of a tenant against its plan, and the first plan that allows more."""

    used: int
    allowed: int
    plan_name: str
    upgrade: Plan | None

    @property
    def left(self) -> int:
        return max(self.allowed - self.used, 0)


def backtest_allowance(*, tenant) -> Allowance:
    """How many backtests the tenant may still start today (the plan's backtests_per_day)."""
    entitlements = tenant_entitlements(tenant=tenant)
    upgrade = next((plan for plan in plan_list_public() if plan.backtests_per_day > entitlements.backtests_per_day),
                   None)
    return Allowance(used=backtests_started_today(tenant=tenant), allowed=entitlements.backtests_per_day,
                     plan_name=entitlements.plan_name, upgrade=upgrade)


def backtest_list_by_ids(*, tenant, ids: list[int]) -> list[Backtest]:
    """The tenant's backtests among `ids`, in the order asked; another tenant's are left out."""
    found = {b.pk: b for b in backtest_list(tenant=tenant).filter(pk__in=ids)}
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def backtest_bars(*, instrument: Instrument, params: BacktestParams) -> BarArrays:
    """The closed bars a backtest runs over (its timeframe and range, at most MAX_BARS)."""
    rows = bar_list_closed(instrument=instrument, timeframe=params.timeframe, now=timezone.now(),
                           start=params.start_time, end=params.end_time, limit=MAX_BARS)
    times = np.array([int(row[0].timestamp()) for row in rows], dtype=np.int64)
    prices = np.array([row[1:] for row in rows], dtype=np.float64).reshape(len(rows), 5)
    return BarArrays(time=times, open=prices[:, 0].copy(), high=prices[:, 1].copy(), low=prices[:, 2].copy(),
                     close=prices[:, 3].copy(), volume=prices[:, 4].copy())


def bars_hash(bars: BarArrays) -> str:
    """SHA-256 of the bars' times and prices (what a cached result depends on)."""
    digest = hashlib.sha256()
    for column in (bars.time, bars.open, bars.high, bars.low, bars.close, bars.volume):
        digest.update(np.ascontiguousarray(column).tobytes())
    return digest.hexdigest()
