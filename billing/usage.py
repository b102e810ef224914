"""Usage counters per tenant and UTC day, incremented atomically; read for limits and the usage page."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import UsageCounter, UsageMetric


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
                    " ON CONFLICT (tenant_id, metric, day) DO UPDATE SET count = billing_usagecounter.count + excluded.count")


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
    counts = dict(UsageCounter.objects.filter(tenant=tenant, day=day).values_list("metric", "count"))
    return {metric: counts.get(metric, 0) for metric in UsageMetric.values}
