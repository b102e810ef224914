"""Reads behind the website's track record, screener and ledger pages that the API's selectors do not
already give: the record of everything in one group, the newest confidence model's report, and where
an instrument's page is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from billing.entitlements import Entitlements
from signals.engine.track_record import TrackRecord
from signals.models import ModelVersion
from signals.record_charts import EquityChart, ReliabilityChart, equity_chart, reliability_chart
from signals.selectors import strategy_active
from signals.track_record_selectors import (
    SUMMARY_MAX_AGE_SECONDS,
    TrackRecordFilters,
    TrackRecordGroup,
    track_record_groups,
)

OVERALL_CACHE_KEY = "beacon:track-record-overall"


@dataclass(frozen=True)
class RecordView:
    """A group's figures with its charts."""

    group: TrackRecordGroup
    equity: EquityChart
    reliability: ReliabilityChart

    @property
    def has_confidence(self) -> bool:
        return bool(self.group.record.calibration)


def record_view(group: TrackRecordGroup) -> RecordView:
    record = group.record
    return RecordView(group=group, equity=equity_chart(group.r_multiples),
                      reliability=reliability_chart(record.calibration, base_rate=record.hit_rate))


def track_record_overall(*, filters: TrackRecordFilters | None = None,
                         entitlements: Entitlements | None = None) -> TrackRecordGroup:
    """Every outcome (of the plan's tier, with `entitlements`) as one group; count 0 when none."""
    groups = track_record_groups(group_by=(), filters=filters or TrackRecordFilters(), entitlements=entitlements)
    return groups[0] if groups else TrackRecordGroup(key={}, record=TrackRecord(count=0))


def track_record_overall_public(*, now: datetime) -> TrackRecordGroup:
    """Everyone's whole record, computed at most SUMMARY_MAX_AGE_SECONDS ago (the page is public)."""
    overall = cache.get(OVERALL_CACHE_KEY)
    if overall is None:
        overall = track_record_overall()
        cache.set(OVERALL_CACHE_KEY, overall, SUMMARY_MAX_AGE_SECONDS)
    return overall


def confidence_model_latest() -> ModelVersion | None:
    """The active strategy's newest trained confidence model (active or not), with its out-of-sample
    figures and naive baselines; None before any was trained."""
    strategy = strategy_active()
    if strategy is None:
        return None
    return (ModelVersion.objects.filter(strategy=strategy).defer("artifact").order_by("-created_at", "-pk").first())


def instrument_page_url(symbol: str) -> str:
    """The instrument's page (route `market:instrument`), or the markets table at its row while the
    website has no page per instrument."""
    try:
        return reverse("market:instrument", kwargs={"symbol": symbol})
    except NoReverseMatch:
        return f"{reverse('market:markets')}#{symbol}"


def confidence_live() -> bool:
    """Whether any strategy has an active confidence model (one that beat the base rate out of sample),
    so that signals carry a confidence at all."""
    return ModelVersion.objects.filter(is_active=True).exists()
