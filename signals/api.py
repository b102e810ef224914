"""Signals' part of the public API: signals as the plan sees them, the track record and the ledger.

Signals and the detailed track record need an API key (the settings' authentication, plan throttle
and cursor pagination apply). The track-record summary and the ledger are public: no key, limited
per client address (api.throttling.PublicRateThrottle).
"""

from __future__ import annotations

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.entitlements import request_entitlements
from api.masking import mask_fields
from api.throttling import PublicRateThrottle
from market.serializers import ErrorSerializer
from signals import serializers
from signals.ledger_selectors import ledger_entry_list, ledger_verify_range
from signals.list_cache import signal_page_cached, signal_page_keep, signal_page_key
from signals.payloads import signal_payload_for_tier
from signals.track_record_selectors import (
    TrackRecordFilters,
    chart_pattern_name,
    chart_pattern_track_records,
    track_record_groups,
    track_record_summary,
)
from signals.visible_selectors import (
    ORDERINGS,
    SignalFilters,
    ledger_entries_of_signal,
    publication_get_visible,
    signal_list_visible,
)

SECONDS = "%Y-%m-%dT%H:%M:%SZ"  # as the ledger and the live feed write bar_time and valid_until
MICROSECONDS = "%Y-%m-%dT%H:%M:%S.%fZ"  # as they write created_at
BAD_INPUT = OpenApiResponse(ErrorSerializer, description="Bad input: `fields` names each field at fault and why.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not a signal your plan can see (another tier's, not "
                                                         "released yet, or not covered).")
RATE_LIMITED = OpenApiResponse(ErrorSerializer, description="Over the rate limit: wait Retry-After seconds.")
KEY_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No API key, or an invalid or revoked one."),
    403: OpenApiResponse(ErrorSerializer, description="Your plan has no API access (code not_entitled)."),
    429: RATE_LIMITED,
}


class OrderingOfTheView(BaseFilterBackend):
    """Gives the cursor pagination the ordering the view chose (`view.ordering`), after validating it."""

    def get_ordering(self, request, queryset, view):
        return view.ordering

    def filter_queryset(self, request, queryset, view):
        return queryset.order_by(*view.ordering)


def _query(serializer_class, request, **context) -> dict:
    query = serializer_class(data=request.query_params, context=context)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _page(view, rows) -> list:
    """The page of `rows` the request's cursor points at; a cursor that was tampered with is a 400."""
    try:
        return view.paginate_queryset(rows)
    except (ValueError, TypeError, DjangoValidationError):
        raise ValidationError({"cursor": ["Not a cursor this API gave out: follow the next or previous "
                                          "link as it is."]}) from None


def signal_list_items(rows, entitlements) -> list[dict]:
    """The list items of a page of `signal_list_visible` rows, masked for the plan: which fields the plan
    hides is decided once for the page (api.masking.mask_fields), then those are null in every item."""
    items = [{
        "seq": row["id"], "signal_id": row["signal_id"], "instrument": row["signal__instrument__symbol"],
        "asset_class": row["signal__asset_class"], "timeframe": row["signal__timeframe"],
        "direction": row["signal__direction"], "score": row["signal__score"],
        "confidence": row["signal__confidence"], "entry": row["signal__entry"], "stop": row["signal__stop"],
        "targets": [row["signal__target_1"], row["signal__target_2"], row["signal__target_3"]],
        "risk_reward": row["signal__risk_reward"], "regime": row["signal__regime"],
        "bar_time": row["signal__bar_time"].strftime(SECONDS), "created_at": row["created"].strftime(MICROSECONDS),
        "valid_until": row["signal__valid_until"].strftime(SECONDS),
        "visible_at": row["visible_at"].strftime(MICROSECONDS),
        "status": "open" if row["signal__outcome__result"] is None else "closed",
        "result": row["signal__outcome__result"], "r_multiple": row["signal__outcome__r_multiple"],
    } for row in rows]
    if items:
        hidden = mask_fields(items[0], entitlements)[1]
        for item in items:
            item.update(dict.fromkeys(hidden), hidden_fields=list(hidden))
    return items


def signal_detail(publication, *, ledger: dict[str, dict], entitlements) -> dict:
    """A signal as its plan sees it: the live feed's payload with its sequence, outcome and ledger entries."""
    signal = publication.signal
    outcome = getattr(signal, "outcome", None)
    payload = signal_payload_for_tier(signal, entitlements=entitlements)
    payload.update(
        seq=publication.pk, visible_at=publication.visible_at.strftime(MICROSECONDS),
        status="open" if outcome is None else "closed", ledger=ledger.get("signal"),
        outcome=None if outcome is None else {
            "result": outcome.result, "target_1_hit": outcome.target_1_hit, "targets_hit": outcome.targets_hit,
            "r_multiple": outcome.r_multiple, "mfe_r": outcome.mfe_r, "mae_r": outcome.mae_r,
            "exit_price": outcome.exit_price, "bars_held": outcome.bars_held,
            "duration_seconds": outcome.duration_seconds,
            "closed_bar_time": outcome.closed_bar_time.strftime(SECONDS), "ledger": ledger.get("outcome")})
    payload, hidden = mask_fields(payload, entitlements)
    payload["hidden_fields"] = hidden
    return payload


LIST_EXAMPLE = OpenApiExample("A Pro plan's page", response_only=True, value={
    "next": "https://beacon.example/api/v1/signals/?cursor=cD0xMjM%3D", "previous": None, "results": [{
        "seq": 124, "signal_id": 88, "instrument": "EURUSD", "asset_class": "forex", "timeframe": "H1",
        "direction": "BUY", "score": 0.62, "confidence": 0.58, "entry": 1.0841, "stop": 1.0812,
        "targets": [1.087, 1.0899, 1.0928], "risk_reward": 1.0, "regime": "trending_up",
        "bar_time": "2026-03-02T14:00:00Z", "created_at": "2026-03-02T15:00:02.118000Z",
        "valid_until": "2026-03-03T14:00:00Z", "visible_at": "2026-03-02T15:00:02.118000Z", "status": "open",
        "result": None, "r_multiple": None, "hidden_fields": []}]})


class SignalListApi(generics.ListAPIView):
    serializer_class = serializers.SignalListItemSerializer
    filter_backends = [OrderingOfTheView]
    ordering = ORDERINGS["-seq"]

    @extend_schema(
        summary="Signals your plan can see",
        description="The signals published to your plan's tier (a delayed tier's once its delay has passed), "
                    "newest first by default, a page at a time: follow `next`. Fields your plan hides are null "
                    "and named in each item's `hidden_fields`; such a plan cannot filter or order by them (400).",
        parameters=[serializers.SignalFilterSerializer], examples=[LIST_EXAMPLE],
        responses={200: serializers.SignalListItemSerializer(many=True), 400: BAD_INPUT, **KEY_ERRORS})
    def get(self, request):
        # A first page (no cursor: what programs poll) is the same for every tenant whose plan has these
        # entitlements until the list changes (signals.list_cache): it is encoded once, then served from
        # the cache. A page further on is read by a client once, so it is not kept. Authentication, the
        # plan's throttle and its headers ran before, as for any request.
        entitlements = request_entitlements(request)
        if self.paginator.cursor_query_param in request.query_params:
            return HttpResponse(self._encoded_page(request, entitlements), content_type="application/json")
        key = signal_page_key(entitlements=entitlements, url=request.build_absolute_uri())
        body, version = signal_page_cached(key)
        if body is None:
            body = self._encoded_page(request, entitlements)
            signal_page_keep(key, version=version, body=body)
        return HttpResponse(body, content_type="application/json")

    def _encoded_page(self, request, entitlements) -> bytes:
        query = _query(serializers.SignalFilterSerializer, request, entitlements=entitlements)
        self.ordering = ORDERINGS[query.pop("ordering")]
        rows = signal_list_visible(entitlements=entitlements, filters=SignalFilters(**query))
        page = self.get_paginated_response(signal_list_items(_page(self, rows), entitlements))
        return JSONRenderer().render(page.data)


MAX_ID = 2**63 - 1  # the largest BIGINT


class SignalDetailApi(generics.GenericAPIView):
    serializer_class = serializers.SignalDetailSerializer
    pagination_class = None

    @extend_schema(
        summary="One signal",
        description="Levels, distances, reasoning and contributions (where your plan shows them), its outcome "
                    "once closed, and its ledger entries. A signal your plan cannot see is a 404.",
        responses={200: serializers.SignalDetailSerializer, 404: NOT_FOUND, **KEY_ERRORS})
    def get(self, request, signal_id: int):
        if signal_id > MAX_ID:  # no such row; SQLite cannot even compare a larger integer
            raise Http404
        entitlements = request_entitlements(request)
        publication = publication_get_visible(entitlements=entitlements, signal_id=signal_id)
        if publication is None:
            raise Http404
        ledger = ledger_entries_of_signal(signal_id=signal_id)
        return Response(signal_detail(publication, ledger=ledger, entitlements=entitlements))


def _figures(group, *, calibration: bool) -> dict:
    figures = {**group.key, **asdict(group.record)}
    if not calibration:
        del figures["calibration"]
    return figures


class TrackRecordApi(generics.GenericAPIView):
    serializer_class = serializers.TrackRecordSerializer
    pagination_class = None

    @extend_schema(
        summary="Track record of your plan's signals",
        description="Per strategy, asset class, instrument and timeframe (or the dimensions of `group_by`): N, hit "
                    "rate of target 1 with its Wilson 95% interval, average R, expectancy, profit factor, max "
                    "drawdown in R and the calibration table, over the closed signals published to your plan's "
                    "tier. A figure that cannot be computed (no loss for a profit factor) is null.",
        parameters=[serializers.TrackRecordQuerySerializer],
        responses={200: serializers.TrackRecordSerializer, 400: BAD_INPUT, **KEY_ERRORS})
    def get(self, request):
        entitlements = request_entitlements(request)
        query = _query(serializers.TrackRecordQuerySerializer, request)
        group_by = query.pop("group_by")
        groups = track_record_groups(group_by=group_by, filters=TrackRecordFilters(**query),
                                     entitlements=entitlements)
        return Response({"scope": "plan", "plan": entitlements.plan_code, "group_by": list(group_by),
                         "groups": [_figures(group, calibration=True) for group in groups]})


class ChartPatternTrackRecordApi(generics.GenericAPIView):
    serializer_class = serializers.ChartPatternTrackRecordSerializer
    pagination_class = None

    @extend_schema(
        summary="Track record of each chart pattern",
        description="For each classical chart pattern, the record of your plan's closed signals it voted for (the "
                    "pattern confirmed in the signal's direction at its bar): N, hit rate of target 1 with its "
                    "Wilson 95% interval, average R and the rest, so no pattern has to be taken on faith. A signal "
                    "with two such patterns counts in both.",
        responses={200: serializers.ChartPatternTrackRecordSerializer, **KEY_ERRORS})
    def get(self, request):
        entitlements = request_entitlements(request)
        groups = chart_pattern_track_records(entitlements=entitlements)
        return Response({"scope": "plan", "plan": entitlements.plan_code, "patterns": [
            {**_figures(group, calibration=True), "name": chart_pattern_name(group.key["chart_pattern"])}
            for group in groups]})


class PublicEndpoint:
    """No key: anyone may call it, limited per client address."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicRateThrottle]


class TrackRecordSummaryApi(PublicEndpoint, generics.GenericAPIView):
    serializer_class = serializers.TrackRecordSummarySerializer
    pagination_class = None

    @extend_schema(
        summary="Track record summary (public)",
        description="Every closed signal's record by strategy and asset class, for anyone to check: no key needed, "
                    "limited per client address. Computed at most a minute before `as_of`.",
        auth=[], responses={200: serializers.TrackRecordSummarySerializer, 429: RATE_LIMITED})
    def get(self, request):
        as_of, groups = track_record_summary(now=timezone.now())
        return Response({"scope": "all", "as_of": as_of.strftime(MICROSECONDS),
                         "groups": [_figures(group, calibration=False) for group in groups]})


LEDGER_DESCRIPTION = '''Entries of the append-only, hash-chained ledger in order of `seq`, for anyone: no key
needed, limited per client address.

**The hash rule.** `hash = sha256(prev_hash + canonical)` in lowercase hex, over the UTF-8 bytes of the
previous entry's hash followed by the canonical text; the first entry's `prev_hash` is 64 zeros
(`00000000…`). `canonical` is the entry's payload as canonical JSON: keys sorted, no whitespace
(separators `,` and `:`), UTF-8 characters as they are (not `\\u` escapes), floats in their shortest
round-trip form, -0.0 as 0.0, no NaN or infinity. It is stored and served exactly as hashed: hash the
string you receive, do not re-serialise it.

**Live signals.** While a signal is live (no outcome recorded and not expired) its entry's `canonical` is
null and `revealed` false: the hash commits to the text without showing paying tiers' signals to
everyone. The text appears once the signal closes, and must then match the hash published before.

**Verify it yourself** (Python; any language with SHA-256 will do), over the `results` of each page in order:

```python
import hashlib


def verify(entries, prev_hash="0" * 64):
    """Check each entry follows the one before and, once revealed, matches its hash."""
    for e in entries:
        if e["prev_hash"] != prev_hash:
            raise ValueError(f"chain broken at entry {e['seq']}")
        if e["canonical"] is not None:
            digest = hashlib.sha256((e["prev_hash"] + e["canonical"]).encode("utf-8")).hexdigest()
            if digest != e["hash"]:
                raise ValueError(f"entry {e['seq']} does not match its hash")
        prev_hash = e["hash"]
    return prev_hash
```
Start at seq 1, or pass the `hash` of the entry before your range. See docs/ledger.md.'''


class LedgerEntryListApi(PublicEndpoint, generics.ListAPIView):
    serializer_class = serializers.LedgerEntrySerializer
    filter_backends = [OrderingOfTheView]
    ordering = ("seq",)

    @extend_schema(summary="Ledger entries (public)", description=LEDGER_DESCRIPTION, auth=[],
                   parameters=[serializers.LedgerRangeSerializer],
                   responses={200: serializers.LedgerEntrySerializer(many=True), 400: BAD_INPUT, 429: RATE_LIMITED})
    def get(self, request):
        query = _query(serializers.LedgerRangeSerializer, request)
        rows = ledger_entry_list(from_seq=query["from_seq"], to_seq=query.get("to_seq"), now=timezone.now())
        return self.get_paginated_response([{
            "seq": row["seq"], "kind": row["kind"], "signal_id": row["signal_id"],
            "created_at": row["created_at"].strftime(MICROSECONDS), "prev_hash": row["prev_hash"],
            "hash": row["hash"], "revealed": row["revealed"], "canonical": row["canonical_text"],
        } for row in _page(self, rows)])


class LedgerVerifyApi(PublicEndpoint, generics.GenericAPIView):
    serializer_class = serializers.LedgerVerificationSerializer
    pagination_class = None

    @extend_schema(
        summary="Verify the ledger (public)",
        description="Recomputes every hash of a range of entries from their stored canonical text (those of live "
                    "signals included), chained to the hash of the entry before the range, and names the first "
                    "entry where the chain breaks: a sequence number that skips, a previous hash that is not the "
                    "hash before it, or a hash that does not match its text. At most 10,000 entries a request.",
        auth=[], parameters=[serializers.LedgerVerifyQuerySerializer],
        responses={200: serializers.LedgerVerificationSerializer, 400: BAD_INPUT, 429: RATE_LIMITED},
        examples=[OpenApiExample("An intact range", response_only=True, value={
            "ok": True, "from_seq": 1, "to_seq": 10000, "head_seq": 5230, "checked": 5230,
            "first_broken_seq": None, "reason": ""})])
    def get(self, request):
        query = _query(serializers.LedgerVerifyQuerySerializer, request)
        verification = ledger_verify_range(from_seq=query["from_seq"], to_seq=query["to_seq"])
        result = verification.result
        return Response({"ok": result.ok, "from_seq": verification.from_seq, "to_seq": verification.to_seq,
                         "head_seq": verification.head_seq, "checked": result.checked,
                         "first_broken_seq": result.first_broken_seq, "reason": result.reason})
