"""The live feed's wire protocol: envelopes, the client's actions and the close codes. No Django.

Every server message is a JSON envelope `{"type", "seq", "data"}`. `seq` orders a stream that can be
resumed (a signal's is its SignalPublication id); it is null on messages that are not replayed
(heartbeats, answers, engine status). A client speaks in actions:

    {"action": "auth", "key": "<api key>"}                 first message, unless the website session
    {"action": "subscribe", "streams": [...], "filters": {...}}
    {"action": "unsubscribe", "streams": [...]}
    {"action": "resume", "after": N, "stream": "signals", "filters": {...}}   stream, filters optional
    {"action": "pong", "id": K}                            answers the heartbeat K
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# Close codes: 4xxx mirror the HTTP status a request would get. The reason also arrives as a last
# {"type": "error"} message, since daphne drops the reason of a close frame.
CLOSE_PLAN_CHANGED = 1012  # "service restart": reconnect (and resume) to get the new plan's feed
BAD_REQUEST = 4400  # in an error message only: the socket stays open
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_ENTITLED = 4403
CLOSE_TOO_LATE = 4408  # no auth message within the deadline, or a heartbeat left unanswered
CLOSE_TOO_SLOW = 4409
CLOSE_TOO_MANY_CONNECTIONS = 4429

ACTIONS = ("auth", "subscribe", "unsubscribe", "resume", "pong")


class FeedRefused(Exception):
    """The connection must close: `code` is the close code, `reason` says why and what to do."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class BadAction(Exception):
    """A message the server cannot act on; answered with an error, the socket stays open."""


@dataclass(frozen=True)
class Action:
    name: str
    key: str = ""
    streams: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)
    stream: str = "signals"
    after: int = 0
    ping_id: int = 0


def envelope(message_type: str, data: dict | None = None, *, seq: int | None = None) -> dict:
    return {"type": message_type, "seq": seq, "data": data if data is not None else {}}


def encode(message: dict) -> str:
    """The text frame of a message: compact JSON, encoded once however many sockets receive it."""
    return json.dumps(message, separators=(",", ":"))


def error_message(code: int, message: str) -> dict:
    return envelope("error", {"code": code, "message": message})


def action_parse(text: str | None) -> Action:
    """The client's action in a text frame; BadAction says what is wrong with it."""
    if text is None:
        raise BadAction("Send JSON text frames, not binary.")
    try:
        raw = json.loads(text)
    except ValueError:
        raise BadAction("The message is not JSON.") from None
    if not isinstance(raw, dict) or raw.get("action") not in ACTIONS:
        raise BadAction(f"Say what to do with \"action\": one of {', '.join(ACTIONS)}.")
    name = raw["action"]
    if name == "auth":
        key = raw.get("key")
        if not isinstance(key, str) or not key:
            raise BadAction('Authenticate with {"action": "auth", "key": "<api key>"}.')
        return Action(name, key=key)
    if name == "pong":
        return Action(name, ping_id=_non_negative_int(raw.get("id"), "id"))
    filters = raw.get("filters") or {}
    if not isinstance(filters, dict):
        raise BadAction('"filters" must be an object, e.g. {"symbol": ["EURUSD"]}.')
    if name == "resume":
        stream = raw.get("stream", "signals")
        if not isinstance(stream, str):
            raise BadAction('"stream" must be a stream name.')
        return Action(name, stream=stream, after=_non_negative_int(raw.get("after"), "after"), filters=filters)
    streams = raw.get("streams")
    if not isinstance(streams, list) or not streams or not all(isinstance(s, str) for s in streams):
        raise BadAction('"streams" must be a non-empty list of stream names.')
    return Action(name, streams=tuple(dict.fromkeys(streams)), filters=filters)


def _non_negative_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadAction(f'"{name}" must be a whole number, 0 or more.')
    return value

