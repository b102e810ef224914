"""Watchlists' part of the public API, under /api/v1/watchlists/.

List, create, rename or share (PATCH), delete; add an instrument by symbol, change its note, remove it,
reorder the list. Members see the tenant's shared lists and their own private ones; an API key sees the
shared ones; anything else answers 404. Writes need the key's write scope; the services check the plan.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.schema import ERROR_REF
from market.models import Instrument
from watchlists import selectors, services
from watchlists.actors import actor_of_request
from watchlists.models import Watchlist, WatchlistItem


class WatchlistItemSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol")
    display_name = serializers.CharField(source="instrument.display_name")

    class Meta:
        model = WatchlistItem
        fields = ["symbol", "display_name", "note", "position", "added_at"]


class WatchlistSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None,
                                        help_text="The member who made it (the maker of the API key that did).")
    items = serializers.SerializerMethodField()

    class Meta:
        model = Watchlist
        fields = ["id", "name", "is_shared", "created_by", "created_at", "updated_at", "items"]

    @extend_schema_field(WatchlistItemSerializer(many=True))
    def get_items(self, watchlist) -> list:
        return list(WatchlistItemSerializer(selectors.watchlist_item_list(watchlist=watchlist), many=True).data)


class WatchlistCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    is_shared = serializers.BooleanField(default=True, help_text="Seen by the whole team; false: only by you.")


class WatchlistUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    is_shared = serializers.BooleanField(required=False)


class ItemAddSerializer(serializers.Serializer):
    symbol = serializers.CharField(max_length=24)
    note = serializers.CharField(max_length=240, required=False, allow_blank=True, default="")


class ItemUpdateSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=240, allow_blank=True)


class ReorderSerializer(serializers.Serializer):
    symbols = serializers.ListField(child=serializers.CharField(max_length=24), max_length=1000,
                                    help_text="Every symbol of the list once, in the new order.")


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _instrument(symbol: str) -> Instrument:
    instrument = Instrument.objects.filter(symbol=symbol.upper()).first()
    if instrument is None:
        raise serializers.ValidationError({"symbol": [f"No instrument {symbol[:24]!r}."]})
    return instrument


WATCHLISTS_LIMIT = OpenApiResponse(ERROR_REF, description="Every watchlist the plan allows is in use "
                                                         "(code plan_limit, with limit, allowed, used, upgrade_url).")
SYMBOLS_LIMIT = OpenApiResponse(ERROR_REF, description="The watchlist holds as many instruments as the plan allows "
                                                      "(code plan_limit).")
ALREADY_LISTED = OpenApiResponse(ERROR_REF, description="The instrument is in the list already (code conflict).")
SYMBOL = OpenApiParameter("symbol", str, OpenApiParameter.PATH, description="The instrument's symbol.")


class WatchlistViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Watchlist.objects.none()  # the actor's lists come from watchlists.selectors
    serializer_class = WatchlistSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.watchlist_visible(actor=actor_of_request(self.request)).select_related("created_by")

    def get_object(self) -> Watchlist:
        return selectors.watchlist_get(actor=actor_of_request(self.request), pk=self.kwargs["pk"])

    @extend_schema(summary="Your watchlists", description="The tenant's shared watchlists and your private "
                                                          "ones, newest first, each with its instruments in order.")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One watchlist", responses=WatchlistSerializer)
    def retrieve(self, request, pk=None):
        return Response(WatchlistSerializer(self.get_object()).data)

    @extend_schema(summary="Create a watchlist", request=WatchlistCreateSerializer,
                   responses={201: WatchlistSerializer, 402: WATCHLISTS_LIMIT})
    def create(self, request):
        watchlist = services.watchlist_create(actor=actor_of_request(request),
                                              **_valid(WatchlistCreateSerializer, request))
        return Response(WatchlistSerializer(watchlist).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Rename or share a watchlist", request=WatchlistUpdateSerializer,
                   responses=WatchlistSerializer)
    def partial_update(self, request, pk=None):
        watchlist = services.watchlist_update(actor=actor_of_request(request), watchlist=self.get_object(),
                                              **_valid(WatchlistUpdateSerializer, request))
        return Response(WatchlistSerializer(watchlist).data)

    @extend_schema(summary="Delete a watchlist", description="With its items and the alerts that follow it.",
                   responses={204: None})
    def destroy(self, request, pk=None):
        services.watchlist_delete(actor=actor_of_request(request), watchlist=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Add an instrument", request=ItemAddSerializer,
                   responses={201: WatchlistItemSerializer, 402: SYMBOLS_LIMIT, 409: ALREADY_LISTED})
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, pk=None):
        watchlist = self.get_object()
        data = _valid(ItemAddSerializer, request)
        item = services.watchlist_item_add(actor=actor_of_request(request), watchlist=watchlist,
                                           instrument=_instrument(data["symbol"]), note=data["note"])
        return Response(WatchlistItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], summary="Change an instrument's note", request=ItemUpdateSerializer,
                   responses=WatchlistItemSerializer, parameters=[SYMBOL])
    @extend_schema(methods=["DELETE"], summary="Remove an instrument", request=None, responses={204: None},
                   parameters=[SYMBOL])
    @action(detail=True, methods=["patch", "delete"], url_path=r"items/(?P<symbol>[^/]+)")
    def item(self, request, pk=None, symbol=None):
        item = self._item(symbol)
        actor = actor_of_request(request)
        if request.method == "DELETE":
            services.watchlist_item_remove(actor=actor, item=item)
            return Response(status=status.HTTP_204_NO_CONTENT)
        item = services.watchlist_item_update(actor=actor, item=item, **_valid(ItemUpdateSerializer, request))
        return Response(WatchlistItemSerializer(item).data)

    @extend_schema(summary="Reorder a watchlist", request=ReorderSerializer, responses=WatchlistSerializer)
    @action(detail=True, methods=["post"])
    def reorder(self, request, pk=None):
        watchlist = self.get_object()
        services.watchlist_reorder(actor=actor_of_request(request), watchlist=watchlist,
                                   **_valid(ReorderSerializer, request))
        return Response(WatchlistSerializer(watchlist).data)

    def _item(self, symbol: str | None) -> WatchlistItem:
        if not symbol:
            raise Http404
        return selectors.watchlist_item_get(watchlist=self.get_object(), symbol=symbol.upper())
