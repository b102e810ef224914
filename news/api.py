"""News' part of the public API: scored news items, newest first, filtered by instrument, time and sentiment.
An API key is needed (the settings' authentication, plan throttle and cursor pagination apply)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from api.pagination import CursorPagination
from market.serializers import ErrorSerializer
from news import serializers
from news.models import NewsItem
from news.selectors import NewsFilters, news_item_list

BAD_INPUT = OpenApiResponse(ErrorSerializer, description="Bad input: `fields` names each field at fault and why.")
KEY_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No API key, or an invalid or revoked one."),
    403: OpenApiResponse(ErrorSerializer, description="Your plan has no API access (code not_entitled)."),
    429: OpenApiResponse(ErrorSerializer, description="Over the rate limit: wait Retry-After seconds."),
}


class NewestFirst(CursorPagination):
    ordering = ("-published_at", "-id")


def news_item_data(item: NewsItem) -> dict:
    return {
        "id": item.pk, "title": item.title, "summary": item.summary, "url": item.url, "source": item.source,
        "provider": item.provider, "published_at": item.published_at, "sentiment": item.sentiment,
        "scorer": item.scorer, "is_demo": item.is_demo,
        "mentions": [{"instrument": m.instrument.symbol, "relevance": m.relevance, "sentiment": m.sentiment,
                      "scorer": m.scorer} for m in item.mentions.all()],
    }


class NewsListApi(generics.ListAPIView):
    serializer_class = serializers.NewsItemSerializer
    pagination_class = NewestFirst

    @extend_schema(
        summary="News with sentiment",
        description="Scored news items, newest first, a page at a time: follow `next`. Each names the instruments "
                    "it mentions with a relevance and a sentiment for each; `scorer` says what scored it (the "
                    "provider, or VADER locally). Items with `is_demo` are illustrative "
                    "headlines written for the demo, not real articles.",
        parameters=[serializers.NewsFilterSerializer],
        responses={200: serializers.NewsItemSerializer(many=True), 400: BAD_INPUT, **KEY_ERRORS})
    def get(self, request):
        query = serializers.NewsFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            page = self.paginate_queryset(news_item_list(filters=NewsFilters(**query.validated_data)))
        except (ValueError, TypeError, DjangoValidationError):
            raise ValidationError({"cursor": ["Not a cursor this API gave out: follow the next or previous "
                                              "link as it is."]}) from None
        return self.get_paginated_response(serializers.NewsItemSerializer([news_item_data(i) for i in page],
                                                                          many=True).data)
