"""Reads of the live feed: a tier's publications after a sequence number (resume, and the gaps a web
process fills), and the engine's status as a tier's subscribers see it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from billing.entitlements import Entitlements
from billing.models import Plan
from config.health import BEAT_STALE_AFTER_SECONDS
from config.tasks import BEAT_HEARTBEAT_KEY
from signals.models import EngineRun, SignalPublication
from signals.publishing import feed_message


def publication_messages_after(*, tier: str, after: int, before: int | None = None, limit: int = 200) -> list[dict]:
    """The feed messages of the tier's visible publications with `after < seq < before`, oldest first, at
    most `limit`: exactly what the live feed sent or will send for them. A delayed tier's (Free's)
    publications count once released."""
    plan = Plan.objects.filter(code=tier).first()
    if plan is None:
        return []
    rows = (SignalPublication.objects.filter(tier=tier, id__gt=after, published_at__isnull=False)
            .select_related("signal__instrument", "signal__strategy", "signal__model_version").order_by("id"))
    if before is not None:
        rows = rows.filter(id__lt=before)
    entitlements = Entitlements.from_plan(plan)
    return [feed_message(publication, entitlements) for publication in rows[:limit]]


def publication_seq_latest(*, tier: str) -> int:
    """The sequence number of the tier's newest visible publication; 0 when it has none."""
    latest = SignalPublication.objects.filter(tier=tier, published_at__isnull=False).aggregate(seq=Max("id"))["seq"]
    return latest or 0


def engine_status(*, tier: str) -> dict:
    """What the engine did for the tier lately: its newest finished run that computed the tier's pairs (its
    scheduled runs, and bar-close runs of pairs its plan covers, recorded for the fastest such plan), the
    last hour's totals, and
    whether beat is scheduling (runs stop without it). A tier that receives signals after a delay is not
    told how many signals its runs made (null, named in `hidden_fields`): it would learn of a signal
    before its time."""
    plan = Plan.objects.filter(code=tier).first()
    delayed = plan is None or plan.signal_delay_seconds > 0
    runs = EngineRun.objects.filter(Q(tier=tier) | Q(tiers_served__contains=f",{tier},"))
    last = runs.filter(finished_at__isnull=False).order_by("-finished_at", "-id").first()
    hour = runs.filter(started_at__gte=timezone.now() - timedelta(hours=1)).aggregate(
        runs=Count("id"), signals=Sum("signals_created"), errors=Sum("error_count"))
    last_tick = cache.get(BEAT_HEARTBEAT_KEY)
    return {
        "tier": tier,
        "scheduler_alive": last_tick is not None and time.time() - float(last_tick) <= BEAT_STALE_AFTER_SECONDS,
        "last_run": None if last is None else {
            "trigger": last.trigger,
            "started_at": _utc_text(last.started_at),
            "finished_at": _utc_text(last.finished_at),
            "pairs_computed": last.pairs_computed,
            "signals_created": None if delayed else last.signals_created,
            "errors": last.error_count,
        },
        "last_hour": {"runs": hour["runs"], "signals": None if delayed else hour["signals"] or 0,
                      "errors": hour["errors"] or 0},
        "hidden_fields": ["signals_created", "signals"] if delayed else [],
    }


def _utc_text(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None
