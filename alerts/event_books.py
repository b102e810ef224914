"""The books of firing: events stored once, and the state of the rules that fired moved on.

`events_store` takes the events an evaluation found (Candidates) and, in one transaction:
1. locks the rules that keep state (a cooldown, or "once") in id order and checks them again: another
   evaluation may have fired them since they were loaded; rules without state need no lock, as the
   event's unique key alone keeps them from firing twice for the same trigger;
2. inserts the events with ON CONFLICT DO NOTHING on (rule, trigger), so a retried evaluation stores
   nothing twice, each joined to its rule, which it locks FOR KEY SHARE (what a foreign key's check
   would do: a rule deleted meanwhile gets no event; see AlertEvent), with the rule's tenant; and reads
   back the ones inserted with their rule's maker and channels (what their deliveries need);
3. records the firing on the rules with state (last_fired_at; a "once" rule is paused);
4. hands the events stored to alerts.services.alert_events_fired (usage, then every delivery of the
   batch at once).
Written as SQL where the ORM cost the live path most (7,000 events: Django's bulk_create took 0.7 s;
one INSERT ... ON CONFLICT from JSON on PostgreSQL a tenth of it, measured with bench/bench_alerts.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction

from alerts.evaluation import rules_eligible
from alerts.models import PausedReason, RuleStatus
from alerts.selectors import alert_rules_among, rules_state_for_update
from alerts.services import alert_events_fired

EVENT_COLUMNS = ("tenant_id", "rule_id", "trigger_key", "instrument_id", "timeframe", "bar_time", "signal_id",
                 "fired_at", "message", "left_value", "right_value", "created_at")
INSERT_HEAD = "INSERT INTO alerts_alertevent (" + ", ".join(EVENT_COLUMNS) + ") "
INSERT_TAIL = " ON CONFLICT (rule_id, trigger_key) DO NOTHING RETURNING id, rule_id, tenant_id"
# On PostgreSQL the rows travel as one JSON array of arrays (rule, trigger, instrument, timeframe, bar time,
# signal, message, left value, right value), unpacked by the server: dumping 7,000 rows as array parameters
# cost psycopg 0.3 s of Python, json.dumps a tenth of it; jsonb is parsed once where json is parsed again for
# each field (70 ms against 120 ms on the server, measured). The statement returns the rows it inserted with
# their rule's maker and channels.
INSERT_FROM_JSON = """
WITH stored AS (
  INSERT INTO alerts_alertevent (tenant_id, rule_id, trigger_key, instrument_id, timeframe, bar_time, signal_id,
                                 fired_at, message, left_value, right_value, created_at)
  SELECT rule.tenant_id, rule.id, r->>1, (r->>2)::bigint, r->>3, (r->>4)::timestamptz, (r->>5)::bigint,
         %(moment)s, r->>6, (r->>7)::float8, (r->>8)::float8, %(moment)s
  FROM jsonb_array_elements(%(rows)s::jsonb) AS r JOIN alerts_alertrule rule ON rule.id = (r->>0)::bigint
  FOR KEY SHARE OF rule
  ON CONFLICT (rule_id, trigger_key) DO NOTHING
  RETURNING id, rule_id, tenant_id)
SELECT stored.id, stored.rule_id, stored.tenant_id, rule.created_by_id, rule.channels::text
FROM stored JOIN alerts_alertrule rule ON rule.id = stored.rule_id
"""
ROWS_PER_STATEMENT = 500  # the portable VALUES form: 12 placeholders a row, SQLite allows 32,766


@dataclass(frozen=True)
class StoredEvent:
    """An AlertEvent just inserted: what its deliveries need of it."""

    pk: int
    rule_id: int
    tenant_id: int


# Each stored event's member (its rule's maker, None if they were deleted) and channels, by event id.
Recipients = dict[int, tuple[int | None, list[str]]]


def _iso_of() -> Callable[[datetime], str]:
    """json.dumps' `default` for datetimes, remembering each one's text (a batch has a few, many times)."""
    seen: dict[datetime, str] = {}

    def iso(value: datetime) -> str:
        if value not in seen:
            seen[value] = value.isoformat()
        return seen[value]

    return iso


@dataclass(frozen=True)
class Candidate:
    """An event a rule would fire, before it is checked again and stored."""

    rule_id: int
    tenant_id: int
    stateful: bool  # the rule has a cooldown or fires once: its firing is recorded on it
    once: bool
    trigger_key: str
    message: str
    instrument_id: int | None = None
    timeframe: str = ""
    bar_time: datetime | None = None
    signal_id: int | None = None
    left_value: float | None = None
    right_value: float | None = None


def rules_may_fire(rows: list[tuple], moment: datetime) -> np.ndarray:
    """Which rules, as (status, paused_reason, last_fired_at, cooldown_seconds, expires_at) rows, may
    fire at `moment`."""
    def epoch(value: datetime | None) -> float:
        return np.nan if value is None else value.timestamp()

    return rules_eligible(now=moment.timestamp(), active=np.array([r[0] == RuleStatus.ACTIVE for r in rows],
                                                                  dtype=bool),
                          fired_once=np.array([r[1] == PausedReason.FIRED_ONCE for r in rows], dtype=bool),
                          last_fired=np.array([epoch(r[2]) for r in rows], dtype=np.float64),
                          cooldown=np.array([float(r[3]) for r in rows], dtype=np.float64),
                          expires=np.array([epoch(r[4]) for r in rows], dtype=np.float64))


@transaction.atomic
def events_store(*, candidates: list[Candidate], moment: datetime) -> list[StoredEvent]:
    """Store the candidates whose rule may still fire at `moment` and whose event is not stored yet;
    returns the events stored."""
    stateful = sorted({c.rule_id for c in candidates if c.stateful})
    if stateful:
        locked = rules_state_for_update(rule_ids=stateful)
        may = rules_may_fire([row[1:] for row in locked], moment)
        blocked = {row[0] for row, ok in zip(locked, may.tolist(), strict=True) if not ok}
        candidates = [c for c in candidates if c.rule_id not in blocked]
    if not candidates:
        return []
    events, recipients = _insert(candidates, moment)
    fired = sorted({event.rule_id for event in events} & set(stateful))
    if fired:
        alert_rules_among(rule_ids=fired).update(last_fired_at=moment)
        once = sorted({c.rule_id for c in candidates if c.once} & set(fired))
        if once:
            alert_rules_among(rule_ids=once).filter(status=RuleStatus.ACTIVE).update(
                status=RuleStatus.PAUSED, paused_reason=PausedReason.FIRED_ONCE)
    alert_events_fired(events=events, recipients=recipients)
    return events


def _insert(candidates: list[Candidate], moment: datetime) -> tuple[list[StoredEvent], Recipients | None]:
    """Insert the events not stored yet, each once; the ones inserted, and on PostgreSQL their recipients
    (elsewhere None: the deliveries read them)."""
    rows: dict[tuple[int, str], Candidate] = {}
    for c in candidates:
        rows.setdefault((c.rule_id, c.trigger_key), c)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = [(c.rule_id, c.trigger_key, c.instrument_id, c.timeframe, c.bar_time, c.signal_id,
                       c.message[:300], c.left_value, c.right_value) for c in rows.values()]
            cursor.execute(INSERT_FROM_JSON, {"moment": moment, "rows": json.dumps(values, default=_iso_of())})
            events, recipients = [], {}
            channel_lists: dict[str, list[str]] = {}  # a few distinct lists over thousands of rules: each read once
            for pk, rule_id, tenant_id, member_id, channels in cursor.fetchall():
                events.append(StoredEvent(pk=pk, rule_id=rule_id, tenant_id=tenant_id))
                if channels not in channel_lists:
                    channel_lists[channels] = list(dict.fromkeys(json.loads(channels)))
                recipients[pk] = (member_id, channel_lists[channels])
            return events, recipients
        return _insert_values(cursor, list(rows.values()), moment), None


def _insert_values(cursor, candidates: list[Candidate], moment: datetime) -> list[StoredEvent]:
    """The portable form: VALUES statements of ROWS_PER_STATEMENT rows, of rules that still exist, with their
    rule's tenant."""
    tenants = dict(alert_rules_among(rule_ids=sorted({c.rule_id for c in candidates})).values_list("pk", "tenant_id"))
    adapt = connection.ops.adapt_datetimefield_value
    values = [(tenants[c.rule_id], c.rule_id, c.trigger_key, c.instrument_id, c.timeframe, c.bar_time, c.signal_id,
               moment, c.message[:300], c.left_value, c.right_value, moment)
              for c in candidates if c.rule_id in tenants]
    inserted = []
    for start in range(0, len(values), ROWS_PER_STATEMENT):
        chunk = values[start:start + ROWS_PER_STATEMENT]
        placeholders = ", ".join(["(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"] * len(chunk))
        cursor.execute(INSERT_HEAD + "VALUES " + placeholders + INSERT_TAIL,
                       [adapt(v) if isinstance(v, datetime) else v for row in chunk for v in row])
        inserted += cursor.fetchall()
    return [StoredEvent(pk=pk, rule_id=rule_id, tenant_id=tenant_id) for pk, rule_id, tenant_id in inserted]
