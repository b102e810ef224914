"""The shapes of the market API (instruments, bars) and the error shape every endpoint answers with."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from market.models import AssetClass, Calendar
from market.timeframes import Timeframe

TIMEFRAMES = [tf.value for tf in Timeframe]
BARS_MAX_PER_REQUEST = 5000
BARS_DEFAULT_PER_REQUEST = 500


@extend_schema_field({
    "type": "object", "required": ["code", "message"], "additionalProperties": True,
    "description": "A domain error adds what it carries, e.g. `limit` and `window` (429), `upgrade_url` (403).",
    "properties": {
        "code": {"type": "string", "example": "invalid",
                 "description": "Stable, e.g. invalid, not_found, not_authenticated, not_entitled, rate_limited."},
        "message": {"type": "string", "example": "limit: Ensure this value is less than or equal to 5000."},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "example": {"limit": ["Ensure this value is less than or equal to 5000."]},
                   "description": "Each field at fault with its messages, when input was at fault."},
    },
})
class ErrorDetailField(serializers.DictField):
    """The body of an error: code, message, the fields at fault, and what a domain error carries."""


class ErrorSerializer(serializers.Serializer):
    """Every error of the API: {"error": {"code", "message", "fields"}} with its HTTP status."""

    error = ErrorDetailField()


class InstrumentQuerySerializer(serializers.Serializer):
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)
    search = serializers.CharField(required=False, max_length=60, trim_whitespace=True,
                                   help_text="Part of the symbol or name, any case.")


class InstrumentSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    display_name = serializers.CharField()
    asset_class = serializers.ChoiceField(choices=AssetClass.choices)
    venue = serializers.CharField()
    base_currency = serializers.CharField()
    quote_currency = serializers.CharField()
    price_precision = serializers.IntegerField(help_text="Decimal places of a price.")
    tick_size = serializers.FloatField()
    pip_size = serializers.FloatField(allow_null=True, help_text="Forex only.")
    lot_size = serializers.FloatField()
    calendar = serializers.ChoiceField(choices=Calendar.values)
    is_synthetic = serializers.BooleanField(help_text="Generated data, not a real market.")
    plan_timeframes = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Timeframes your plan gets signals on for this instrument, of {', '.join(TIMEFRAMES)} "
                  "(empty: not covered).")


class BarQuerySerializer(serializers.Serializer):
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES)
    start = serializers.DateTimeField(required=False, help_text="Bars opening at or after (ISO 8601; UTC if no zone).")
    end = serializers.DateTimeField(required=False, help_text="Bars opening before (ISO 8601; UTC if no zone).")
    limit = serializers.IntegerField(min_value=1, max_value=BARS_MAX_PER_REQUEST, default=BARS_DEFAULT_PER_REQUEST,
                                     help_text=f"Bars per request, 1 to {BARS_MAX_PER_REQUEST} "
                                               f"(default {BARS_DEFAULT_PER_REQUEST}).")

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        return attrs


class BarSerializer(serializers.Serializer):
    time = serializers.DateTimeField(help_text="Open time, UTC.")
    open = serializers.FloatField()
    high = serializers.FloatField()
    low = serializers.FloatField()
    close = serializers.FloatField()
    volume = serializers.FloatField()


class BarPageSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    timeframe = serializers.ChoiceField(choices=TIMEFRAMES)
    bars = BarSerializer(many=True, help_text="Closed bars, oldest first.")
    next = serializers.CharField(allow_null=True,
                                 help_text="The URL of the bars that follow (same range), null at its end.")
