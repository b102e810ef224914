"""Usage counters per tenant and UTC day, incremented atomically; read for limits and the usage page.

API calls are too many for a write each: the plan throttle counts them in the cache
(`usage_pending_key`, one counter per tenant and day, in the same round trip as its rate windows),
and `usage_flush` moves what is pending into the table, every few minutes (the billing-usage-flush
Beat task) and whenever the usage is read (`usage_on`), so the usage page shows today's exact count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import ApiKey, Tenant
from billing.models import UsageCounter, UsageMetric
from config.cache_counters import counters_add, counters_take

USAGE_PENDING_SECONDS = 3 * 86400  # a pending count outlives its day until a flush takes it
PENDING_METRICS = (UsageMetric.API_CALLS,)


def usage_increment(*, tenant, metric: UsageMetric | str, by: int = 1, day: date | None = None) -> None:
    """Add `by` to today's counter (one UPDATE; the first call of the day inserts the row)."""
    day = day or timezone.now().date()
    updated = UsageCounter.objects.filter(tenant=tenant, metric=metric, day=day).update(count=F("count") + by)
    if updated:
        return
    try:
        with transaction.atomic():
            UsageCounter.objects.create(tenant=tenant, metric=metric, day=day, count=by)
    except IntegrityError:  # another request created it first
        UsageCounter.objects.filter(tenant=tenant, metric=metric, day=day).update(count=F("count") + by)


USAGE_UPSERT_SQL = ("INSERT INTO billing_usagecounter (tenant_id, metric, day, count) VALUES {rows}"
                    " ON CONFLICT (tenant_id, metric, day)"
                    " DO UPDATE SET count = billing_usagecounter.count + excluded.count")


def usage_increment_many(*, metric: UsageMetric | str, counts: dict[int, int], day: date | None = None) -> None:
    """Add each tenant's count (tenant id -> count) to its counter of the day, in one statement."""
    if not counts:
        return
    day = day or timezone.now().date()
    adapt = connection.ops.adapt_datefield_value
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(counts))
    with connection.cursor() as cursor:
        cursor.execute(USAGE_UPSERT_SQL.format(rows=rows),
                       [value for tenant_id, count in sorted(counts.items())
                        for value in (tenant_id, str(metric), adapt(day), count)])


def usage_on(*, tenant, day: date | None = None) -> dict[str, int]:
    """Every metric's count on `day` (today by default), zero when unused."""
    day = day or timezone.now().date()
    usage_flush(tenants=[tenant], days=[day])
    counts = dict(UsageCounter.objects.filter(tenant=tenant, day=day).values_list("metric", "count"))
    return {metric: counts.get(metric, 0) for metric in UsageMetric.values}


def usage_pending_key(*, tenant_id: int, metric: UsageMetric | str, day: date) -> str:
    """The cache counter of the tenant's uses of `metric` on `day` not yet in the table."""
    return f"beacon:usage-pending:{metric}:{tenant_id}:{day.isoformat()}"


def usage_flush(*, tenants: Iterable[Tenant], days: list[date]) -> int:
    """Add the pending counts of `tenants` on `days` to their usage counters; returns how many uses moved.
    Each count is taken from the cache atomically, so two flushes never move the same use twice; a
    count the database refused goes back to the cache."""
    slots = [(tenant, metric, day) for tenant in tenants for metric in PENDING_METRICS for day in days]
    keys = [usage_pending_key(tenant_id=tenant.pk, metric=metric, day=day) for tenant, metric, day in slots]
    moved = 0
    for (tenant, metric, day), key, count in zip(slots, keys, counters_take(keys), strict=True):
        try:
            if count > 0:
                usage_increment(tenant=tenant, metric=metric, by=count, day=day)
            elif count < 0:  # calls an earlier flush moved were refused after all (api.throttling)
                UsageCounter.objects.filter(tenant=tenant, metric=metric, day=day).update(
                    count=Greatest(F("count") + count, 0))
        except Exception:
            counters_add({key: (count, USAGE_PENDING_SECONDS)})
            raise
        moved += count
    return moved


def usage_flush_all(*, now: datetime | None = None, batch: int = 500) -> int:
    """Flush today's and yesterday's pending counts of every tenant that has an API key (the Beat task)."""
    today = (now or timezone.now()).date()
    tenants = list(Tenant.objects.filter(pk__in=ApiKey.objects.values("tenant_id")).order_by("pk"))
    return sum(usage_flush(tenants=tenants[i:i + batch], days=[today - timedelta(days=1), today])
               for i in range(0, len(tenants), batch))
