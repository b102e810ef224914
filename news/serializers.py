"""The shapes of the news API."""

from __future__ import annotations

from rest_framework import serializers

from market.models import Instrument
from news.models import Provider

SENTIMENTS = [("positive", "positive (>= 0.15)"), ("negative", "negative (<= -0.15)"), ("neutral", "neutral")]


class NewsFilterSerializer(serializers.Serializer):
    instrument = serializers.CharField(required=False, max_length=24,
                                       help_text="A symbol: the items that mention it (their sentiment for it "
                                                 "is the one `sentiment` filters on).")
    since = serializers.DateTimeField(required=False, help_text="Items published at or after this time (ISO 8601).")
    sentiment = serializers.ChoiceField(choices=SENTIMENTS, required=False)

    def validate_instrument(self, value: str) -> str:
        symbol = value.strip().upper()
        if not Instrument.objects.filter(symbol=symbol).exists():
            raise serializers.ValidationError(f"No instrument with the symbol {value[:24]!r}.")
        return symbol


class NewsMentionSerializer(serializers.Serializer):
    instrument = serializers.CharField(help_text="The symbol.")
    relevance = serializers.FloatField(help_text="0..1: how much the item is about the instrument.")
    sentiment = serializers.FloatField(help_text="-1..1, for the instrument (for a pair: its base against its quote).")
    scorer = serializers.CharField()


class NewsItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.URLField()
    source = serializers.CharField()
    provider = serializers.ChoiceField(choices=Provider.choices)
    published_at = serializers.DateTimeField()
    sentiment = serializers.FloatField(help_text="The item's overall sentiment, -1..1.")
    scorer = serializers.CharField(help_text="What produced the sentiment: `alphavantage`, or `vader-3.3.2` (local).")
    is_demo = serializers.BooleanField(help_text="An illustrative headline written for the demo, not a real article.")
    mentions = NewsMentionSerializer(many=True)
