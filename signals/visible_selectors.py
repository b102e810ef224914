"""Reads of signals as a plan sees them: only through a published SignalPublication of its tier.

A signal is visible to a tenant when its plan's tier has a publication of it that has been published
(a delayed tier's, such as Free's, only once released after the delay) and the plan still covers its
asset class, timeframe and instrument. Anything else is invisible: its detail is a 404, never a 403.
Every read takes the tenant's `Entitlements` and never a tier name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import Coalesce

from billing.entitlements import Entitlements
from signals.models import LedgerEntry, SignalPublication

# Public ordering name -> the row keys the page is ordered by (the first is the cursor's position;
# the sequence breaks ties, so pages never overlap). `confidence_rank` puts signals without a
# confidence last in both directions' cursors instead of leaving a NULL position.
ORDERINGS = {
    "seq": ("id",), "-seq": ("-id",),
    "created_at": ("created", "id"), "-created_at": ("-created", "-id"),
    "confidence": ("confidence_rank", "id"), "-confidence": ("-confidence_rank", "-id"),
}
DEFAULT_ORDERING = "-seq"

# The columns of a list item: one query joins the publication, its signal, the instrument and the
# outcome, and reads only these.
LIST_COLUMNS = (
    "id", "visible_at", "signal_id", "signal__instrument__symbol", "signal__asset_class", "signal__timeframe",
    "signal__direction", "signal__score", "signal__confidence", "signal__entry", "signal__stop",
    "signal__target_1", "signal__target_2", "signal__target_3", "signal__risk_reward", "signal__regime",
    "signal__bar_time", "signal__valid_until", "signal__outcome__result", "signal__outcome__r_multiple",
    "created", "confidence_rank",
)


@dataclass(frozen=True)
class SignalFilters:
    """What a list asks for; None means any. `min_confidence` only where the plan shows confidence."""

    symbol: str | None = None
    asset_class: str | None = None
    timeframe: str | None = None
    direction: str | None = None
    min_confidence: float | None = None
    status: str | None = None  # "open" or "closed"
    start: datetime | None = None  # created at or after
    end: datetime | None = None  # created before


def publication_list_visible(*, entitlements: Entitlements) -> QuerySet[SignalPublication]:
    """The publications of the plan's tier that are published, of signals the plan covers."""
    publications = SignalPublication.objects.filter(
        tier=entitlements.plan_code, published_at__isnull=False,
        signal__asset_class__in=sorted(entitlements.asset_classes),
        signal__timeframe__in=sorted(entitlements.timeframes))
    if entitlements.instruments:
        publications = publications.filter(signal__instrument__symbol__in=sorted(entitlements.instruments))
    return publications


def signal_list_visible(*, entitlements: Entitlements, filters: SignalFilters) -> QuerySet:
    """Rows (dicts of LIST_COLUMNS) of the visible signals matching `filters`, unordered: the cursor
    pagination orders them by one of ORDERINGS. One query per page."""
    rows = publication_list_visible(entitlements=entitlements)
    if filters.symbol:
        rows = rows.filter(signal__instrument__symbol=filters.symbol)
    if filters.asset_class:
        rows = rows.filter(signal__asset_class=filters.asset_class)
    if filters.timeframe:
        rows = rows.filter(signal__timeframe=filters.timeframe)
    if filters.direction:
        rows = rows.filter(signal__direction=filters.direction)
    if filters.min_confidence is not None:
        rows = rows.filter(signal__confidence__gte=filters.min_confidence)
    if filters.status:
        rows = rows.filter(signal__outcome__isnull=filters.status == "open")
    if filters.start:
        rows = rows.filter(signal__created_at__gte=filters.start)
    if filters.end:
        rows = rows.filter(signal__created_at__lt=filters.end)
    return (rows.annotate(created=F("signal__created_at"),
                          confidence_rank=Coalesce("signal__confidence", Value(-1.0), output_field=FloatField()))
            .values(*LIST_COLUMNS))


def publication_get_visible(*, entitlements: Entitlements, signal_id: int) -> SignalPublication | None:
    """The visible publication of one signal, with the signal, its instrument, strategy, model and
    outcome; None when the plan cannot see it (another tier's, not yet released, not covered)."""
    return (publication_list_visible(entitlements=entitlements)
            .select_related("signal__instrument", "signal__strategy", "signal__model_version", "signal__outcome")
            .filter(signal_id=signal_id).first())


def ledger_entries_of_signal(*, signal_id: int) -> dict[str, dict]:
    """The ledger entries of a signal by kind ("signal", "outcome"): seq, hash and previous hash."""
    return {entry["kind"]: {"seq": entry["seq"], "hash": entry["hash"], "prev_hash": entry["prev_hash"]}
            for entry in LedgerEntry.objects.filter(signal_id=signal_id).values("kind", "seq", "hash", "prev_hash")}
