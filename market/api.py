"""Market's part of the public API: the instrument catalogue and closed bars over a range."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from billing.entitlements import tenant_entitlements
from market import serializers
from market.selectors import bar_list_closed, instrument_get, instrument_list
from market.timeframes import Timeframe

SECONDS = "%Y-%m-%dT%H:%M:%SZ"
BAD_INPUT = OpenApiResponse(serializers.ErrorSerializer,
                            description="Bad input: `fields` names each field at fault and why.")
KEY_ERRORS = {
    401: OpenApiResponse(serializers.ErrorSerializer, description="No API key, or an invalid or revoked one."),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Your plan has no API access (not_entitled)."),
    429: OpenApiResponse(serializers.ErrorSerializer, description="Over the rate limit: wait Retry-After seconds."),
}


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def instrument_item(instrument, *, entitlements) -> dict:
    return {
        "symbol": instrument.symbol, "display_name": instrument.display_name,
        "asset_class": instrument.asset_class, "venue": instrument.venue,
        "base_currency": instrument.base_currency, "quote_currency": instrument.quote_currency,
        "price_precision": instrument.price_precision, "tick_size": instrument.tick_size,
        "pip_size": instrument.pip_size, "lot_size": instrument.lot_size, "calendar": instrument.calendar,
        "is_synthetic": instrument.is_synthetic,
        "plan_timeframes": [tf.value for tf in Timeframe if entitlements.covers(
            symbol=instrument.symbol, asset_class=instrument.asset_class, timeframe=tf.value)],
    }


class InstrumentListApi(generics.ListAPIView):
    serializer_class = serializers.InstrumentSerializer
    filter_backends = [OrderingFilter]
    ordering = ["symbol"]
    ordering_fields = ["symbol"]

    @extend_schema(
        summary="Instrument catalogue",
        description="Active instruments by symbol, a page at a time, with the timeframes your plan gets "
                    "signals on for each.",
        parameters=[serializers.InstrumentQuerySerializer],
        responses={200: serializers.InstrumentSerializer(many=True), 400: BAD_INPUT, **KEY_ERRORS})
    def get(self, request):
        query = _query(serializers.InstrumentQuerySerializer, request)
        entitlements = tenant_entitlements(tenant=request.tenant)
        page = self.paginate_queryset(self.filter_queryset(instrument_list(**query)))
        return self.get_paginated_response([instrument_item(i, entitlements=entitlements) for i in page])


class BarListApi(generics.GenericAPIView):
    serializer_class = serializers.BarPageSerializer
    pagination_class = None

    @extend_schema(
        summary="Closed bars of an instrument",
        description="Closed OHLCV bars of one timeframe opening in [start, end), oldest first, up to `limit` a "
                    "request; `next` asks for the ones after the last bar given, until the range is exhausted. "
                    "A bar still forming is never included.",
        parameters=[serializers.BarQuerySerializer],
        responses={200: serializers.BarPageSerializer, 400: BAD_INPUT,
                   404: OpenApiResponse(serializers.ErrorSerializer, description="No instrument with this symbol."),
                   **KEY_ERRORS},
        examples=[OpenApiExample("Two daily bars", response_only=True, value={
            "symbol": "GOOG", "timeframe": "D1", "next": None, "bars": [
                {"time": "2013-01-02T00:00:00Z", "open": 719.42, "high": 727.0, "low": 716.55, "close": 723.25,
                 "volume": 5101500.0},
                {"time": "2013-01-03T00:00:00Z", "open": 724.93, "high": 731.93, "low": 720.72, "close": 723.67,
                 "volume": 4653700.0}]})])
    def get(self, request, symbol: str):
        query = _query(serializers.BarQuerySerializer, request)
        instrument = instrument_get(symbol=symbol)
        if instrument is None:
            raise Http404
        limit = query["limit"]
        rows = bar_list_closed(instrument=instrument, timeframe=query["timeframe"], now=timezone.now(),
                               start=query.get("start"), end=query.get("end"), limit=limit + 1)
        more, rows = len(rows) > limit, rows[:limit]
        next_url = None
        if more:
            after = rows[-1][0] + timedelta(seconds=1)  # bar times are whole seconds
            next_url = replace_query_param(request.build_absolute_uri(), "start", after.strftime(SECONDS))
        return Response({
            "symbol": instrument.symbol, "timeframe": query["timeframe"], "next": next_url,
            "bars": [{"time": time.strftime(SECONDS), "open": o, "high": h, "low": low, "close": c, "volume": v}
                     for time, o, h, low, c, v in rows]})
