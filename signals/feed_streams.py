"""The streams a feed client can subscribe to: a small registry, one entry per stream.

An entry says which keys a subscriber receives (its tier, its tenant: built from who it is, never
from what the client sends), how a web process gets a key's messages (a channel layer group that
senders address, or a poll of the database), how to replay what a client missed, and which filters
it understands. Portfolio updates and backtest progress are entries here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from signals.feed_protocol import BadAction, envelope
from signals.feed_selectors import engine_status, publication_messages_after, publication_seq_latest
from signals.feed_sending import MARKET_GROUP, tenant_group_name
from signals.feed_subscribers import FeedSubscriber
from signals.publishing import tier_group_name

Accepts = Callable[[dict], bool]


def accept_all(message: dict) -> bool:
    return True


@dataclass(frozen=True)
class FeedStream:
    name: str
    keys: Callable[[FeedSubscriber], tuple[str, ...]]
    group: Callable[[str], str] | None = None  # pushed: the channel layer group of a key
    poll: Callable[[str], dict] | None = None  # or polled: the key's current message
    replay: Callable[..., list[dict]] | None = None  # (key=, after=, before=, limit=): messages in seq order
    latest: Callable[[str], int] | None = None  # the key's newest seq, where a process starts its order check
    filters: Callable[[dict], Accepts] | None = None  # the client's filters, checked, as a test of a message
    may_see: Callable[[FeedSubscriber, dict], bool] | None = None  # within a key, what this subscriber may see


# Filter name -> (field of a signal's data, how a value is written there).
SIGNAL_FILTERS = {"asset_class": ("asset_class", str.lower), "symbol": ("instrument", str.upper),
                  "timeframe": ("timeframe", str.upper)}


def signal_filters(filters: dict) -> Accepts:
    """Only signals whose asset class, symbol and timeframe are among those named (each a string or a list)."""
    unknown = sorted(set(filters) - set(SIGNAL_FILTERS))
    if unknown:
        raise BadAction(f"Unknown filter {', '.join(unknown)}: signals filter by {', '.join(SIGNAL_FILTERS)}.")
    wanted: dict[str, frozenset[str]] = {}
    for name, value in filters.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
            raise BadAction(f'Filter "{name}" takes a name or a list of names.')
        field, written = SIGNAL_FILTERS[name]
        wanted[field] = frozenset(written(v) for v in values)
    if not wanted:
        return accept_all

    def accepts(message: dict) -> bool:
        data = message["data"]
        return all(data.get(field) in values for field, values in wanted.items())

    return accepts


def _publication_replay(*, key: str, after: int, before: int | None, limit: int) -> list[dict]:
    return publication_messages_after(tier=key, after=after, before=before, limit=limit)


SIGNALS = FeedStream(
    name="signals", keys=lambda subscriber: (subscriber.tier,), group=tier_group_name,
    replay=_publication_replay, latest=lambda tier: publication_seq_latest(tier=tier), filters=signal_filters,
)
def member_may_see(subscriber: FeedSubscriber, message: dict) -> bool:
    """A message for one member (data.member_id, as an in-app notification) reaches that member's
    sockets only: the session's member, or a key's creator (as in the REST API); others reach all."""
    member_id = message["data"].get("member_id")
    return member_id is None or member_id == subscriber.member_id


ALERTS = FeedStream(
    name="alerts", keys=lambda subscriber: (str(subscriber.tenant_id),),
    group=lambda tenant_id: tenant_group_name(int(tenant_id)), may_see=member_may_see,
)
MARKET = FeedStream(  # closed bars' prices of the active catalogue, as every plan sees them on its pages and
    # in the bars API (sent by watchlists.services.prices_announce); filtered as signals are
    name="market", keys=lambda subscriber: ("all",), group=lambda key: MARKET_GROUP, filters=signal_filters,
)
PORTFOLIOS = FeedStream(  # a tenant's paper portfolios after fills and marks (portfolios.feed sends)
    name="portfolios", keys=lambda subscriber: (str(subscriber.tenant_id),),
    group=lambda tenant_id: f"portfolios.{int(tenant_id)}",
)
BACKTESTS = FeedStream(  # a tenant's backtests: progress, then done, failed or cancelled (backtests.feed sends)
    name="backtests", keys=lambda subscriber: (str(subscriber.tenant_id),),
    group=lambda tenant_id: f"backtests.{int(tenant_id)}",
)
ENGINE = FeedStream(
    name="engine", keys=lambda subscriber: (subscriber.tier,),
    poll=lambda tier: envelope("engine.status", engine_status(tier=tier)),
)

STREAMS: dict[str, FeedStream] = {
    stream.name: stream for stream in (SIGNALS, ALERTS, MARKET, ENGINE, PORTFOLIOS, BACKTESTS)}


def stream_get(name: str) -> FeedStream:
    """The stream called `name`; BadAction naming the streams there are."""
    stream = STREAMS.get(name)
    if stream is None:
        raise BadAction(f"Unknown stream {name!r}: there are {', '.join(STREAMS)}.")
    return stream
