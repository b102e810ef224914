"""The shapes of the signals API: query parameters it validates and the objects it answers with.

The output serializers describe the responses for the OpenAPI schema; the responses themselves are
built as plain dicts by `signals.api` (a DRF serializer per field per row cost more than the rest of a
page, see bench/bench_api.py), and a test validates every real response against this schema.
"""

from __future__ import annotations

from rest_framework import serializers

from market.models import AssetClass
from market.timeframes import Timeframe
from signals.engine.track_record import SUCCESS_RATE_MIN_SAMPLE
from signals.ledger_selectors import LEDGER_VERIFY_MAX_ENTRIES
from signals.models import Direction, LedgerKind, OutcomeResult
from signals.track_record_selectors import GROUPS
from signals.visible_selectors import DEFAULT_ORDERING, ORDERINGS

TIMEFRAMES = [tf.value for tf in Timeframe]
HIDDEN_FIELDS_HELP = "The fields your plan hides; they are sent as null."


# --- Query parameters -------------------------------------------------------------------------

class SymbolField(serializers.CharField):
    """An instrument symbol, written in capitals whatever the case it came in."""

    def __init__(self, **kwargs):
        super().__init__(max_length=24, required=False, **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class SignalFilterSerializer(serializers.Serializer):
    symbol = SymbolField(help_text="Instrument symbol, e.g. EURUSD.")
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    min_confidence = serializers.FloatField(
        min_value=0, max_value=1, required=False,
        help_text="Only signals with at least this confidence (0 to 1). A plan that hides confidence "
                  "cannot filter by it: 400.")
    status = serializers.ChoiceField(choices=["open", "closed"], required=False,
                                     help_text="open: no outcome yet; closed: its outcome is recorded.")
    start = serializers.DateTimeField(required=False, help_text="Created at or after (ISO 8601; UTC if no zone).")
    end = serializers.DateTimeField(required=False, help_text="Created before (ISO 8601; UTC if no zone).")
    ordering = serializers.ChoiceField(
        choices=list(ORDERINGS), required=False, default=DEFAULT_ORDERING,
        help_text="seq (the live feed's sequence), created_at or confidence; '-' for descending. "
                  "Ties are broken by seq. A plan that hides confidence cannot order by it: 400.")

    def validate(self, attrs):
        entitlements = self.context["entitlements"]
        errors = {}
        if not entitlements.shows_confidence:
            message = (f"Your {entitlements.plan_name} plan does not show confidence, so signals cannot be "
                       "{} by it. Upgrade to see it.")
            if "min_confidence" in attrs:
                errors["min_confidence"] = [message.format("filtered")]
            if attrs["ordering"].lstrip("-") == "confidence":
                errors["ordering"] = [message.format("ordered")]
        if attrs.get("start") and attrs.get("end") and attrs["start"] >= attrs["end"]:
            errors["end"] = ["Must be after start."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TrackRecordQuerySerializer(serializers.Serializer):
    group_by = serializers.CharField(
        required=False, default=",".join(GROUPS), max_length=100,
        help_text=f"Comma-separated dimensions to group by, any of: {', '.join(GROUPS)} (default: all).")
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    symbol = SymbolField()
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES, required=False)

    def validate_group_by(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - set(GROUPS))
        if unknown:
            raise serializers.ValidationError(f"Unknown dimension(s) {', '.join(unknown)[:100]}; "
                                              f"choose from {', '.join(GROUPS)}.")
        return [name for name in GROUPS if name in names]  # in GROUPS' order, once each


class LedgerRangeSerializer(serializers.Serializer):
    from_seq = serializers.IntegerField(min_value=1, max_value=2**62, required=False, default=1,
                                        help_text="First sequence number (default 1).")
    to_seq = serializers.IntegerField(min_value=1, max_value=2**62, required=False,
                                      help_text="Last sequence number, included (default: the newest).")

    def validate(self, attrs):
        if attrs.get("to_seq") is not None and attrs["to_seq"] < attrs["from_seq"]:
            raise serializers.ValidationError({"to_seq": ["Must be at least from_seq."]})
        return attrs


class LedgerVerifyQuerySerializer(LedgerRangeSerializer):
    to_seq = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False,
        help_text=f"Last sequence number, included (default: from_seq + {LEDGER_VERIFY_MAX_ENTRIES - 1}, "
                  f"at most {LEDGER_VERIFY_MAX_ENTRIES} entries a request).")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs.setdefault("to_seq", attrs["from_seq"] + LEDGER_VERIFY_MAX_ENTRIES - 1)
        if attrs["to_seq"] - attrs["from_seq"] >= LEDGER_VERIFY_MAX_ENTRIES:
            raise serializers.ValidationError({"to_seq": [
                f"A request verifies at most {LEDGER_VERIFY_MAX_ENTRIES} entries; ask for the rest in "
                "further ranges."]})
        return attrs


# --- Responses --------------------------------------------------------------------------------

class LedgerLinkSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The entry's sequence number in the ledger.")
    hash = serializers.CharField(help_text="sha256(prev_hash + canonical JSON), hex.")
    prev_hash = serializers.CharField()


class SignalListItemSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The publication's sequence number, as in the live feed.")
    signal_id = serializers.IntegerField()
    instrument = serializers.CharField(help_text="Symbol.")
    asset_class = serializers.ChoiceField(choices=AssetClass.choices)
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES)
    direction = serializers.ChoiceField(choices=Direction.choices)
    score = serializers.FloatField(help_text="Weighted confluence score in [-1, 1].")
    confidence = serializers.FloatField(allow_null=True,
                                        help_text="Calibrated P(target 1 before stop); null if hidden or none.")
    entry = serializers.FloatField()
    stop = serializers.FloatField()
    targets = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3)
    risk_reward = serializers.FloatField()
    regime = serializers.CharField()
    bar_time = serializers.DateTimeField(help_text="Open time of the closed bar it was computed on.")
    created_at = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    visible_at = serializers.DateTimeField(help_text="When your plan's tier could first see it.")
    status = serializers.ChoiceField(choices=["open", "closed"])
    result = serializers.ChoiceField(choices=OutcomeResult.values, allow_null=True)
    r_multiple = serializers.FloatField(allow_null=True, help_text="Realised R once closed.")
    hidden_fields = serializers.ListField(child=serializers.CharField(), help_text=HIDDEN_FIELDS_HELP)


class OutcomeSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=OutcomeResult.values)
    target_1_hit = serializers.BooleanField()
    targets_hit = serializers.IntegerField()
    r_multiple = serializers.FloatField()
    mfe_r = serializers.FloatField(help_text="Maximum favourable excursion, in R.")
    mae_r = serializers.FloatField(help_text="Maximum adverse excursion, in R.")
    exit_price = serializers.FloatField()
    bars_held = serializers.IntegerField()
    duration_seconds = serializers.IntegerField()
    closed_bar_time = serializers.DateTimeField()
    ledger = LedgerLinkSerializer(allow_null=True)


class SignalDetailSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The publication's sequence number, as in the live feed.")
    signal_id = serializers.IntegerField()
    instrument = serializers.CharField()
    asset_class = serializers.ChoiceField(choices=AssetClass.choices)
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES)
    direction = serializers.ChoiceField(choices=Direction.choices)
    score = serializers.FloatField()
    confidence = serializers.FloatField(allow_null=True)
    entry = serializers.FloatField()
    stop = serializers.FloatField()
    targets = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3)
    risk_reward = serializers.FloatField()
    position_size_fraction = serializers.FloatField(help_text="Fraction of equity that risks risk_per_trade.")
    risk_per_trade = serializers.FloatField()
    distances = serializers.DictField(child=serializers.FloatField(),
                                      help_text="Stop and target distances in pips, ticks and percent.")
    regime = serializers.CharField()
    reasoning = serializers.CharField(allow_null=True)
    contributions = serializers.DictField(child=serializers.FloatField(), allow_null=True,
                                          help_text="Each component's weighted part of the score.")
    strategy = serializers.CharField()
    model_version = serializers.IntegerField(allow_null=True)
    success_rate = serializers.FloatField(
        allow_null=True,
        help_text=f"Target-1 hit rate (0 to 1) of the earlier signals of this strategy on this instrument and "
                  f"timeframe that had closed when it was published. Null while fewer than {SUCCESS_RATE_MIN_SAMPLE} "
                  f"had (success_sample_size says how many): a rate of so few is noise, so none is published.")
    success_sample_size = serializers.IntegerField(
        help_text="How many earlier signals success_rate is read from; given even when success_rate is null.")
    success_source = serializers.CharField()
    avg_r = serializers.FloatField(allow_null=True)
    worst_loss_r = serializers.FloatField(allow_null=True)
    bar_time = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    visible_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    outcome = OutcomeSerializer(allow_null=True, help_text="How it ended; null while open.")
    ledger = LedgerLinkSerializer(help_text="Its entry in the public ledger.")
    hidden_fields = serializers.ListField(child=serializers.CharField(), help_text=HIDDEN_FIELDS_HELP)


class CalibrationBandSerializer(serializers.Serializer):
    band = serializers.CharField(help_text="Predicted confidence band, e.g. 0.6-0.7.")
    count = serializers.IntegerField()
    predicted = serializers.FloatField(help_text="Average confidence published in the band.")
    realised = serializers.FloatField(help_text="Share of the band that hit target 1.")


class TrackRecordFiguresSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="N: closed signals.")
    hit_rate = serializers.FloatField(allow_null=True, help_text="Share that hit target 1.")
    hit_rate_low = serializers.FloatField(allow_null=True, help_text="Wilson 95% interval, low end.")
    hit_rate_high = serializers.FloatField(allow_null=True, help_text="Wilson 95% interval, high end.")
    average_r = serializers.FloatField(allow_null=True)
    expectancy_r = serializers.FloatField(allow_null=True,
                                          help_text="P(win) x average win R + P(loss) x average loss R.")
    profit_factor = serializers.FloatField(allow_null=True,
                                           help_text="Sum of winning R / |sum of losing R|; null without a loss.")
    max_drawdown_r = serializers.FloatField(allow_null=True,
                                            help_text="Largest fall of cumulative R from a peak, in order of closing.")
    worst_r = serializers.FloatField(allow_null=True)
    total_r = serializers.FloatField(allow_null=True)
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    average_win_r = serializers.FloatField(allow_null=True)
    average_loss_r = serializers.FloatField(allow_null=True)
    brier = serializers.FloatField(allow_null=True, help_text="Brier score of the published confidence.")


class TrackRecordGroupSerializer(TrackRecordFiguresSerializer):
    strategy = serializers.CharField(required=False, help_text="Present when grouped by it.")
    asset_class = serializers.CharField(required=False)
    symbol = serializers.CharField(required=False)
    timeframe = serializers.CharField(required=False)
    calibration = CalibrationBandSerializer(many=True)


class TrackRecordSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["plan"], help_text="The signals published to your plan's tier.")
    plan = serializers.CharField(help_text="Your plan's code.")
    group_by = serializers.ListField(child=serializers.ChoiceField(choices=GROUPS))
    groups = TrackRecordGroupSerializer(many=True)


class ChartPatternRecordSerializer(TrackRecordFiguresSerializer):
    chart_pattern = serializers.CharField(help_text="The pattern's code, e.g. double_bottom.")
    name = serializers.CharField(help_text="The pattern's name as the reasoning writes it.")
    calibration = CalibrationBandSerializer(many=True)


class ChartPatternTrackRecordSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["plan"], help_text="The signals published to your plan's tier.")
    plan = serializers.CharField(help_text="Your plan's code.")
    patterns = ChartPatternRecordSerializer(many=True)


class TrackRecordSummaryGroupSerializer(TrackRecordFiguresSerializer):
    strategy = serializers.CharField()
    asset_class = serializers.CharField()


class TrackRecordSummarySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["all"], help_text="Every signal published, to any tier.")
    as_of = serializers.DateTimeField(help_text="When these figures were computed (they are cached briefly).")
    groups = TrackRecordSummaryGroupSerializer(many=True)


class LedgerEntrySerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LedgerKind.values)
    signal_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    prev_hash = serializers.CharField()
    hash = serializers.CharField(help_text="sha256 of prev_hash followed by canonical, as UTF-8, in hex.")
    revealed = serializers.BooleanField(help_text="Whether the canonical text is public yet.")
    canonical = serializers.CharField(allow_null=True,
                                      help_text="The canonical JSON exactly as hashed; null while the signal is live.")


class LedgerVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    from_seq = serializers.IntegerField()
    to_seq = serializers.IntegerField()
    head_seq = serializers.IntegerField(help_text="The newest entry's sequence number.")
    checked = serializers.IntegerField(help_text="Entries that verified before the first break.")
    first_broken_seq = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(help_text="Why that entry breaks the chain; empty when ok.")
